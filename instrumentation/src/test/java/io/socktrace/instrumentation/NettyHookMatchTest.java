package io.socktrace.instrumentation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import net.bytebuddy.dynamic.ClassFileLocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Netty's native-transport classes, hooked in every copy socktrace claims to trace: Netty 4.1.118,
 * 4.2.18 and gRPC 1.85.1's relocated copy ({@code io.grpc.netty.shaded.io.netty}), read from the
 * real jars (copied by the build, on no class path). Each hook must select exactly the Java
 * wrapper it means (never the native of the same name), the class must weave, and the name
 * matching must take relocated copies and nothing else.
 */
class NettyHookMatchTest {

    private static final Map<String, Map<String, List<String>>> EXPECTED = Map.of(
            NettySocketInstrumentation.CLASS_NAME, hooks(
                    "CreatedAdvice", List.of("void <init>(int)"),
                    "ConnectAdvice", List.of("boolean connect(SocketAddress)"),
                    "FinishConnectAdvice", List.of("boolean finishConnect()"),
                    "BindAdvice", List.of("void bind(SocketAddress)"),
                    "ListenAdvice", List.of("void listen(int)"),
                    "AcceptAdvice", List.of("int accept(byte[])"),
                    "RecvAdvice", List.of("int recv(ByteBuffer,int,int)", "int recvAddress(long,int,int)"),
                    "SendAdvice", List.of("int send(ByteBuffer,int,int)", "int sendAddress(long,int,int)"),
                    "ShutdownAdvice", List.of("void shutdown(boolean,boolean)"),
                    "OptionAdvice", List.of("void setKeepAlive(boolean)", "void setReceiveBufferSize(int)", "void setSendBufferSize(int)",
                            "void setTcpNoDelay(boolean)", "void setSoLinger(int)", "void setReuseAddress(boolean)", "void setReusePort(boolean)"),
                    "NotTcpAdvice", List.of("Socket newSocketDgram()", "Socket newSocketDomain()", "Socket newSocketDomainDgram()")),
            NettyFileDescriptorInstrumentation.CLASS_NAME, hooks(
                    "CloseAdvice", List.of("void close()"),
                    "RecvAdvice", List.of("int read(ByteBuffer,int,int)", "int readAddress(long,int,int)"),
                    "SendAdvice", List.of("int write(ByteBuffer,int,int)", "int writeAddress(long,int,int)"),
                    "WritevAdvice", List.of("long writev(ByteBuffer[],int,int,long)"),
                    "WritevAddressesAdvice", List.of("long writevAddresses(long,int)")),
            NettyLinuxSocketInstrumentation.CLASS_NAME, hooks(
                    "SendFileAdvice", List.of("long sendFile(DefaultFileRegion,long,long,long)"),
                    "OptionAdvice", List.of("void setTcpKeepIdle(int)", "void setTcpKeepIntvl(int)", "void setTcpKeepCnt(int)",
                            "void setTcpUserTimeout(int)"),
                    "NotTcpAdvice", List.of("LinuxSocket newSocketDgram()", "LinuxSocket newSocketDgram(boolean)",
                            "LinuxSocket newSocketDgram(InternetProtocolFamily)", "LinuxSocket newSocketDomain()",
                            "LinuxSocket newSocketDomainDgram()")),
            NettyConnectTimeoutInstrumentation.CLASS_NAME, hooks(
                    "MadeAdvice", List.of("void <init>()", "void <init>(String)")));

    /**
     * What a copy has beyond or short of {@link #EXPECTED}: Netty 4.2 added a factory taking its new
     * SocketProtocolFamily; Netty before 4.1.80 has no recv/send on its socket (it reads and writes
     * through FileDescriptor's read/write), and 4.1.68 no UDP factory taking a protocol family.
     */
    private static Map<String, List<String>> expected(String copy, JdkClassInstrumentation instrumentation) {
        Map<String, List<String>> hooks = new LinkedHashMap<>(EXPECTED.get(instrumentation.className()));
        if (copy.equals("netty-4.1.68") && instrumentation.className().equals(NettySocketInstrumentation.CLASS_NAME)) {
            hooks.put("RecvAdvice", List.of());
            hooks.put("SendAdvice", List.of());
        }
        if (copy.equals("netty-4.1.68") && instrumentation.className().equals(NettyLinuxSocketInstrumentation.CLASS_NAME)) {
            List<String> factories = new ArrayList<>(hooks.get("NotTcpAdvice"));
            factories.remove("LinuxSocket newSocketDgram(InternetProtocolFamily)"); // came later
            hooks.put("NotTcpAdvice", factories);
        }
        if (!copy.startsWith("netty-4.1") && instrumentation.className().equals(NettyLinuxSocketInstrumentation.CLASS_NAME)) {
            List<String> factories = new ArrayList<>(hooks.get("NotTcpAdvice"));
            factories.add("LinuxSocket newSocketDgram(SocketProtocolFamily)");
            hooks.put("NotTcpAdvice", factories.stream().sorted().collect(Collectors.toList()));
        }
        return hooks;
    }

    /** Each copy: the folder its jars were copied to, and the package prefix of its Netty. */
    static Stream<Arguments> copies() {
        List<Arguments> all = new ArrayList<>();
        for (String[] copy : new String[][] {{"netty-4.1.68", ""}, {"netty-4.1", ""}, {"netty-4.2", ""}, {"grpc-shaded", "io.grpc.netty.shaded."}}) {
            for (JdkClassInstrumentation instrumentation : Weaver.NETTY_INSTRUMENTATIONS) {
                all.add(Arguments.of(copy[0], copy[1] + instrumentation.className(), instrumentation));
            }
        }
        return all.stream();
    }

    @Test
    void instrumentations_oneForEachNettyTarget() {
        List<String> classes = Weaver.NETTY_INSTRUMENTATIONS.stream().map(i -> i.className().replace('.', '/')).collect(Collectors.toList());
        assertThat(classes).containsExactlyInAnyOrderElementsOf(Instrumentations.NETTY_TARGETS);
        assertThat(EXPECTED.keySet()).containsExactlyInAnyOrderElementsOf(
                Weaver.NETTY_INSTRUMENTATIONS.stream().map(JdkClassInstrumentation::className).collect(Collectors.toList()));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("copies")
    void hooks_matchExactlyTheJavaWrappers_andTheClassWeaves(String copy, String className, JdkClassInstrumentation instrumentation)
            throws Exception {
        try (URLClassLoader loader = new URLClassLoader(jars(copy), null)) {
            ClassFileLocator locator = new ClassFileLocator.Compound(ClassFileLocator.ForClassLoader.of(loader),
                    ClassFileLocator.ForClassLoader.ofBootLoader());
            String internalName = className.replace('.', '/');
            assertThat(Instrumentations.nettyTarget(internalName)).isEqualTo(instrumentation.className().replace('.', '/'));

            Map<String, List<String>> matched = new LinkedHashMap<>();
            Weaver.matches(instrumentation, className, locator).forEach((hook, methods) -> matched.put(hook.name(),
                    methods.stream().map(NettyHookMatchTest::signature).sorted().collect(Collectors.toList())));
            assertThat(matched).as("hooks of %s in %s", className, copy).isEqualTo(expected(copy, instrumentation));

            byte[] classFile = locator.locate(className).resolve();
            // an advice that does not fit (a field it reads missing, a type it names absent) throws here
            byte[] woven = Weaver.weaveNetty(internalName, classFile, loader, true);
            byte[] retransformed = Weaver.weaveNetty(internalName, classFile, loader, false);
            assertThat(woven).isNotNull().isNotEqualTo(classFile);
            assertThat(retransformed).isNotNull().isNotEqualTo(classFile);
            // the socket class holds its connection in a field of its own when it loads after the agent
            assertThat(HookMatchTest.hasConnectionField(woven)).isEqualTo(instrumentation.carriesConnection());
            assertThat(HookMatchTest.hasConnectionField(retransformed)).isFalse();
        }
    }

    /** A Netty whose socket lacks a method the events depend on is reported untraced, not traced with gaps. */
    @Test
    void unknownShape_essentialHookMissing_copyReportedUntraced() throws Exception {
        String className = "org.example.relocated.io.netty.channel.unix.Socket";
        try (URLClassLoader loader = new URLClassLoader(jars("netty-4.2"), null)) {
            byte[] original = ClassFileLocator.ForClassLoader.of(loader).locate(NettySocketInstrumentation.CLASS_NAME).resolve();
            // the same class under a relocated name, with accept(byte[]) renamed as a later Netty might
            byte[] relocated = HookMatchTest.renameMethod(relocate(original, "io/netty/", "org/example/relocated/io/netty/"),
                    "accept", "([B)I", "accept2");
            // its superclasses, relocated the same way as they are asked for
            ClassLoader relocatedLoader = new ClassLoader(null) {
                @Override
                public java.io.InputStream getResourceAsStream(String resource) {
                    String prefix = "org/example/relocated/";
                    if (!resource.startsWith(prefix)) {
                        return loader.getResourceAsStream(resource);
                    }
                    try (java.io.InputStream in = loader.getResourceAsStream(resource.substring(prefix.length()))) {
                        return in == null ? null
                                : new java.io.ByteArrayInputStream(relocate(in.readAllBytes(), "io/netty/", prefix + "io/netty/"));
                    } catch (IOException e) {
                        return null;
                    }
                }
            };
            assertThat(Weaver.weaveNetty(className.replace('.', '/'), relocated, relocatedLoader, true)).isNotNull();
        }
        assertThat(io.socktrace.runtime.Transports.snapshot()).anySatisfy(t -> {
            assertThat(t.transport).isEqualTo("netty-epoll");
            assertThat(t.library).isEqualTo("org.example.relocated.io.netty");
            assertThat(t.traced()).isFalse();
            assertThat(t.note()).contains("an unknown Netty").contains("AcceptAdvice");
        });
    }

    /** The class file with every type name under {@code from} moved under {@code to}, as a shading plugin does. */
    private static byte[] relocate(byte[] classFile, String from, String to) {
        net.bytebuddy.jar.asm.ClassReader reader = new net.bytebuddy.jar.asm.ClassReader(classFile);
        net.bytebuddy.jar.asm.ClassWriter writer = new net.bytebuddy.jar.asm.ClassWriter(reader, 0);
        reader.accept(new net.bytebuddy.jar.asm.commons.ClassRemapper(writer, new net.bytebuddy.jar.asm.commons.Remapper() {
            @Override
            public String map(String internalName) {
                return internalName.startsWith(from) ? to + internalName.substring(from.length()) : internalName;
            }
        }), 0);
        return writer.toByteArray();
    }

    @Test
    void onlyTheSocketClass_carriesTheConnection() {
        assertThat(Weaver.NETTY_INSTRUMENTATIONS).filteredOn(JdkClassInstrumentation::carriesConnection)
                .extracting(JdkClassInstrumentation::className).containsExactly(NettySocketInstrumentation.CLASS_NAME);
    }

    @Test
    void nettyTarget_takesRelocatedCopiesAtAPackageBoundaryOnly() {
        assertThat(Instrumentations.nettyTarget("io/netty/channel/unix/Socket")).isEqualTo("io/netty/channel/unix/Socket");
        assertThat(Instrumentations.nettyTarget("org/apache/flink/shaded/netty4/io/netty/channel/epoll/LinuxSocket"))
                .isEqualTo("io/netty/channel/epoll/LinuxSocket");
        assertThat(Instrumentations.nettyTarget("com/example/myio/netty/channel/unix/Socket")).isNull();
        assertThat(Instrumentations.nettyTarget("io/netty/channel/uring/LinuxSocket")).isNull(); // io_uring's: not traced
        assertThat(Instrumentations.nettyTarget("io/netty/channel/unix/SocketWritableByteChannel")).isNull();
        assertThat(Instrumentations.nettyTarget("java/net/Socket")).isNull();
    }

    private static URL[] jars(String copy) throws IOException {
        Path dir = Path.of(System.getProperty("socktrace.nettyJars", "target/netty-jars"), copy);
        try (Stream<Path> files = Files.list(dir)) {
            List<URL> urls = new ArrayList<>();
            for (Path p : files.filter(f -> f.toString().endsWith(".jar")).sorted().collect(Collectors.toList())) {
                urls.add(p.toUri().toURL());
            }
            assertThat(urls).as("jars in %s", dir).isNotEmpty();
            return urls.toArray(new URL[0]);
        }
    }

    private static String signature(net.bytebuddy.description.method.MethodDescription method) {
        return method.getReturnType().asErasure().getSimpleName() + " " + method.getInternalName()
                + method.getParameters().asTypeList().asErasures().stream().map(net.bytebuddy.description.type.TypeDescription::getSimpleName)
                .collect(Collectors.joining(",", "(", ")"));
    }

    private static Map<String, List<String>> hooks(Object... hookAndMethods) {
        Map<String, List<String>> map = new LinkedHashMap<>();
        for (int i = 0; i < hookAndMethods.length; i += 2) {
            @SuppressWarnings("unchecked")
            List<String> methods = (List<String>) hookAndMethods[i + 1];
            map.put((String) hookAndMethods[i], methods.stream().sorted().collect(Collectors.toList()));
        }
        return map;
    }
}
