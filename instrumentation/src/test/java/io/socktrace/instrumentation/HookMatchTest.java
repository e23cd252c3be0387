package io.socktrace.instrumentation;

import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.instrumentation.JdkClassInstrumentation.Hook;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.pool.TypePool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The JDK's socket classes are private API: a method renamed or re-typed in a new JDK would make a
 * hook match nothing, and the agent would stay silent about it. This weaves every target class of
 * the running JDK (its own class files, read from the runtime image) and checks that each hook
 * selects exactly the methods it is meant for: none missing, none extra, no method taken by two
 * hooks. The first thing to run on a new JDK:
 * {@code mvn -B -ntp verify -pl instrumentation -am -Dtest=HookMatchTest -Dsurefire.failIfNoSpecifiedTests=false}.
 *
 * <p>Methods are written {@code returnType name(parameterTypes)} with simple type names, erased.
 */
class HookMatchTest {

    /** What each hook means, per JDK class: the same on 17 and 25 (the versions measured here). */
    private static final Map<String, Map<String, List<String>>> EXPECTED = byClass(
            NioSocketImplInstrumentation.CLASS_NAME, ordered(
                    "ConnectAdvice", "void connect(SocketAddress,int)",
                    "ListenAdvice", "void listen(int)",
                    "AcceptAdvice", "void accept(SocketImpl)",
                    "ReadAdvice", "int read(byte[],int,int)",
                    "WriteAdvice", "void write(byte[],int,int)",
                    "ImplWriteAdvice", "int implWrite(byte[],int,int)",
                    "CloseAdvice", "void close()",
                    "ShutdownInputAdvice", "void shutdownInput()",
                    "ShutdownOutputAdvice", "void shutdownOutput()",
                    "LegacyOptionAdvice", "void setOption(int,Object)",
                    "OptionAdvice", "void setOption(SocketOption,Object)"),
            NetInstrumentation.CLASS_NAME, ordered(
                    "LocalAddressAdvice", "InetSocketAddress localAddress(FileDescriptor)"),
            SocketInstrumentation.CLASS_NAME, ordered(
                    "ConnectAdvice", "void connect(SocketAddress,int)"),
            SocketChannelImplInstrumentation.CLASS_NAME, ordered(
                    "ConnectAdvice", "boolean connect(SocketAddress)",
                    "FinishConnectAdvice", "boolean finishConnect()",
                    "BlockingConnectAdvice", "void blockingConnect(SocketAddress,long)",
                    "ReadAdvice", "int read(ByteBuffer)",
                    "ScatteringReadAdvice", "long read(ByteBuffer[],int,int)",
                    "BlockingReadAdvice", "int blockingRead(byte[],int,int,long)",
                    "WriteAdvice", "int write(ByteBuffer)",
                    "GatheringWriteAdvice", "long write(ByteBuffer[],int,int)",
                    "BlockingWriteFullyAdvice", "void blockingWriteFully(byte[],int,int)",
                    "CloseAdvice", "void implCloseSelectableChannel()",
                    "ShutdownInputAdvice", "SocketChannel shutdownInput()",
                    "ShutdownOutputAdvice", "SocketChannel shutdownOutput()",
                    // not the bridge "NetworkChannel setOption(SocketOption,Object)": it calls this one
                    "OptionAdvice", "SocketChannel setOption(SocketOption,Object)"),
            ServerSocketChannelImplInstrumentation.CLASS_NAME, ordered(
                    "BindAdvice", "ServerSocketChannel bind(SocketAddress,int)",
                    "AcceptAdvice", "SocketChannel accept()",
                    "BlockingAcceptAdvice", "SocketChannel blockingAccept(long)",
                    "CloseAdvice", "void implCloseSelectableChannel()",
                    "OptionAdvice", "ServerSocketChannel setOption(SocketOption,Object)"),
            AsynchronousSocketChannelImplInstrumentation.CLASS_NAME, ordered(
                    "ReadAdvice", "Future read(boolean,ByteBuffer,ByteBuffer[],long,TimeUnit,Object,CompletionHandler)",
                    "WriteAdvice", "Future write(boolean,ByteBuffer,ByteBuffer[],long,TimeUnit,Object,CompletionHandler)",
                    "CloseAdvice", "void close()",
                    "ShutdownInputAdvice", "AsynchronousSocketChannel shutdownInput()",
                    "ShutdownOutputAdvice", "AsynchronousSocketChannel shutdownOutput()",
                    "OptionAdvice", "AsynchronousSocketChannel setOption(SocketOption,Object)"),
            UnixAsynchronousSocketChannelImplInstrumentation.CLASS_NAME, ordered(
                    "ConnectAdvice", "Future implConnect(SocketAddress,Object,CompletionHandler)"),
            AsynchronousServerSocketChannelImplInstrumentation.CLASS_NAME, ordered(
                    "BindAdvice", "AsynchronousServerSocketChannel bind(SocketAddress,int)",
                    "CloseAdvice", "void close()",
                    "OptionAdvice", "AsynchronousServerSocketChannel setOption(SocketOption,Object)"),
            UnixAsynchronousServerSocketChannelImplInstrumentation.CLASS_NAME, ordered(
                    "AcceptAdvice", "Future implAccept(Object,CompletionHandler)"),
            PendingFutureInstrumentation.CLASS_NAME, ordered(
                    "FutureResultAdvice", "void setResult(Object)",
                    "FutureFailureAdvice", "void setFailure(Throwable)"),
            SslSocketImplInstrumentation.CLASS_NAME, ordered(
                    "TlsCloseAdvice", "void close()"));

    /** Map.of for more than ten classes: class name, its hooks, class name, its hooks, ... */
    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, List<String>>> byClass(Object... pairs) {
        Map<String, Map<String, List<String>>> map = new java.util.HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], (Map<String, List<String>>) pairs[i + 1]);
        }
        return Map.copyOf(map);
    }

    static Stream<JdkClassInstrumentation> instrumentations() {
        return Weaver.INSTRUMENTATIONS.stream();
    }

    @Test
    void instrumentations_oneForEachTargetTheInstallerWatches() {
        List<String> classes = Weaver.INSTRUMENTATIONS.stream().map(JdkClassInstrumentation::className).collect(Collectors.toList());
        assertThat(classes).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(Instrumentations.TARGET_TYPES);
        assertThat(EXPECTED.keySet()).containsExactlyInAnyOrderElementsOf(classes);
    }

    @ParameterizedTest
    @MethodSource("instrumentations")
    void hooks_matchExactlyTheMethodsTheyMean_onThisJdk(JdkClassInstrumentation instrumentation) throws IOException {
        byte[] classFile = jdkClassFile(instrumentation.className());

        assertThat(problems(instrumentation, classFile, EXPECTED.get(instrumentation.className())))
                .as("hooks of %s on JDK %s", instrumentation.className(), Runtime.version()).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("instrumentations")
    void weave_appliesEveryAdvice_asTheClassLoadsAndOnRetransformation(JdkClassInstrumentation instrumentation) throws IOException {
        String internalName = instrumentation.className().replace('.', '/');
        byte[] classFile = jdkClassFile(instrumentation.className());

        // an advice class renamed, or an @Advice.FieldValue the JDK class lacks, throws here
        byte[] atLoad = Weaver.weave(internalName, classFile, true);
        byte[] retransformed = Weaver.weave(internalName, classFile, false);

        assertThat(atLoad).isNotNull().isNotEqualTo(classFile);
        assertThat(retransformed).isNotNull().isNotEqualTo(classFile);
        assertThat(hasConnectionField(atLoad)).isEqualTo(instrumentation.carriesConnection());
        assertThat(hasConnectionField(retransformed)).isFalse();
    }

    /**
     * Where 17 and 25 differ, the hooks sit above the difference; stated here so that a new JDK's
     * changes to these spots are looked at, not found by a user.
     */
    @Test
    void jdkDifferences_liveBelowTheHookedMethods() throws IOException {
        int feature = Runtime.version().feature();
        Set<String> channel = declared(SocketChannelImplInstrumentation.CLASS_NAME);
        Set<String> channelImpl = Set.of("int implRead(ByteBuffer)", "long implRead(ByteBuffer[],int,int)",
                "int implWrite(ByteBuffer)", "long implWrite(ByteBuffer[],int,int)");
        // 25's public read/write delegate to these; hooking them as well would count every byte twice
        if (feature >= 25) {
            assertThat(channel).containsAll(channelImpl);
        } else if (feature == 17) {
            assertThat(channel).doesNotContainAnyElementsOf(channelImpl);
        }
        assertThat(matchedBy(SocketChannelImplInstrumentation.CLASS_NAME)).doesNotContainAnyElementsOf(channelImpl);

        // NioSocketImpl's implRead below the hooked read gained a deadline parameter after 17
        Set<String> socketImpl = declared(NioSocketImplInstrumentation.CLASS_NAME);
        if (feature >= 25) {
            assertThat(socketImpl).contains("int implRead(byte[],int,int,long)").doesNotContain("int implRead(byte[],int,int)");
        } else if (feature == 17) {
            assertThat(socketImpl).contains("int implRead(byte[],int,int)").doesNotContain("int implRead(byte[],int,int,long)");
        }
        assertThat(matchedBy(NioSocketImplInstrumentation.CLASS_NAME)).noneMatch(m -> m.contains("implRead"));
    }

    @Test
    void problems_reportAHookedMethodRenamed() throws IOException {
        JdkClassInstrumentation nio = instrumentation(NioSocketImplInstrumentation.CLASS_NAME);
        byte[] renamed = renameMethod(jdkClassFile(nio.className()), "read", "([BII)I", "read0");

        assertThat(problems(nio, renamed, EXPECTED.get(nio.className()))).containsExactly(
                "ReadAdvice matched [] instead of [int read(byte[],int,int)]");
    }

    @Test
    void problems_reportAHookMatchingTwoMethods() throws IOException {
        JdkClassInstrumentation nio = instrumentation(NioSocketImplInstrumentation.CLASS_NAME);
        // a write(byte[],int,int) returning int next to the void one: the Write hook takes both
        byte[] overloaded = renameMethod(jdkClassFile(nio.className()), "implWrite", "([BII)I", "write");

        assertThat(problems(nio, overloaded, EXPECTED.get(nio.className()))).containsExactly(
                "WriteAdvice matched [int write(byte[],int,int), void write(byte[],int,int)] instead of [void write(byte[],int,int)]",
                "ImplWriteAdvice matched [] instead of [int implWrite(byte[],int,int)]");
    }

    @Test
    void problems_reportAMethodTwoHooksTake() throws IOException {
        JdkClassInstrumentation nio = instrumentation(NioSocketImplInstrumentation.CLASS_NAME);
        Map<String, List<String>> expected = new LinkedHashMap<>(EXPECTED.get(nio.className()));
        JdkClassInstrumentation twice = new JdkClassInstrumentation(nio.className(), false) {
            @Override
            List<Hook> hooks() {
                List<Hook> hooks = new ArrayList<>(nio.hooks());
                hooks.add(new Hook(method("close", 0), NioSocketImplInstrumentation.class.getName() + "$AlsoCloseAdvice"));
                return hooks;
            }
        };
        expected.put("AlsoCloseAdvice", List.of("void close()"));

        assertThat(problems(twice, jdkClassFile(nio.className()), expected)).containsExactly(
                "void close() is taken by CloseAdvice and AlsoCloseAdvice");
    }

    @Test
    void problems_reportAHookWithoutAnExpectationAndAnExpectationWithoutAHook() throws IOException {
        JdkClassInstrumentation socket = instrumentation(SocketInstrumentation.CLASS_NAME);

        assertThat(problems(socket, jdkClassFile(socket.className()), Map.of("BindAdvice", List.of("void bind(SocketAddress)"))))
                .containsExactly("ConnectAdvice is not in the expected hooks", "BindAdvice is expected but no hook has that name");
    }

    /**
     * What is wrong with {@code instrumentation}'s hooks on {@code classFile}, one line each: a
     * hook that selects other methods than {@code expected} says (none, fewer, more), a method two
     * hooks take, and hooks and expectations that do not pair up.
     */
    static List<String> problems(JdkClassInstrumentation instrumentation, byte[] classFile, Map<String, List<String>> expected) {
        List<String> problems = new ArrayList<>();
        Map<String, String> takenBy = new HashMap<>();
        for (Map.Entry<Hook, List<MethodDescription>> match : Weaver.matches(instrumentation, classFile).entrySet()) {
            String hook = match.getKey().name();
            List<String> methods = match.getValue().stream().map(HookMatchTest::signature).sorted().collect(Collectors.toList());
            List<String> meant = expected.get(hook);
            if (meant == null) {
                problems.add(hook + " is not in the expected hooks");
            } else if (!methods.equals(meant.stream().sorted().collect(Collectors.toList()))) {
                problems.add(hook + " matched " + methods + " instead of " + meant);
            }
            for (String method : methods) {
                String other = takenBy.putIfAbsent(method, hook);
                if (other != null) {
                    problems.add(method + " is taken by " + other + " and " + hook);
                }
            }
        }
        Set<String> hookNames = instrumentation.hooks().stream().map(Hook::name).collect(Collectors.toSet());
        for (String hook : expected.keySet()) {
            if (!hookNames.contains(hook)) {
                problems.add(hook + " is expected but no hook has that name");
            }
        }
        return problems;
    }

    private static String signature(MethodDescription method) {
        return method.getReturnType().asErasure().getSimpleName() + " " + method.getName()
                + method.getParameters().asTypeList().asErasures().stream().map(TypeDescription::getSimpleName)
                .collect(Collectors.joining(",", "(", ")"));
    }

    /** Every method the class declares on this JDK, as {@link #signature} writes them. */
    private static Set<String> declared(String className) {
        TypeDescription type = TypePool.Default.of(ClassFileLocator.ForClassLoader.ofBootLoader()).describe(className).resolve();
        return type.getDeclaredMethods().stream().map(HookMatchTest::signature).collect(Collectors.toCollection(TreeSet::new));
    }

    /** Every method some hook of the class takes on this JDK. */
    private static Set<String> matchedBy(String className) throws IOException {
        return Weaver.matches(instrumentation(className), jdkClassFile(className)).values().stream().flatMap(List::stream)
                .map(HookMatchTest::signature).collect(Collectors.toCollection(TreeSet::new));
    }

    private static JdkClassInstrumentation instrumentation(String className) {
        return Weaver.INSTRUMENTATIONS.stream().filter(i -> i.className().equals(className)).findFirst().orElseThrow();
    }

    /** The running JDK's own class file (class files in the runtime image are not encapsulated). */
    static byte[] jdkClassFile(String className) throws IOException {
        try (InputStream in = ClassLoader.getSystemResourceAsStream(className.replace('.', '/') + ".class")) {
            assertThat(in).as("class file of %s in this JDK", className).isNotNull();
            return in.readAllBytes();
        }
    }

    /** The class file with one method renamed, as a later JDK might have done. */
    static byte[] renameMethod(byte[] classFile, String name, String descriptor, String newName) {
        return transform(classFile, next -> new ClassVisitor(Opcodes.ASM9, next) {
            @Override
            public MethodVisitor visitMethod(int access, String n, String d, String signature, String[] exceptions) {
                return super.visitMethod(access, n.equals(name) && d.equals(descriptor) ? newName : n, d, signature, exceptions);
            }
        });
    }

    private static byte[] transform(byte[] classFile, UnaryOperator<ClassVisitor> change) {
        ClassReader reader = new ClassReader(classFile);
        ClassWriter writer = new ClassWriter(reader, 0);
        reader.accept(change.apply(writer), 0);
        return writer.toByteArray();
    }

    static boolean hasConnectionField(byte[] classFile) {
        boolean[] found = {false};
        new ClassReader(classFile).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public net.bytebuddy.jar.asm.FieldVisitor visitField(int access, String name, String descriptor, String signature,
                                                               Object value) {
                found[0] |= name.equals(io.socktrace.runtime.Connections.FIELD_NAME);
                return null;
            }
        }, ClassReader.SKIP_CODE);
        return found[0];
    }

    /** Hook name → the one method it means, in the order given. */
    private static Map<String, List<String>> ordered(String... hookAndMethod) {
        Map<String, List<String>> map = new LinkedHashMap<>();
        for (int i = 0; i < hookAndMethod.length; i += 2) {
            map.put(hookAndMethod[i], List.of(hookAndMethod[i + 1]));
        }
        return map;
    }
}
