package io.socktrace.agent;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.net.URISyntaxException;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Puts the event classes and runtime ({@code jfr-events}) into the boot loader, and only those:
 * advice inlined into {@code java.base} can see nothing else.
 *
 * <p>The classes are defined from the bytes of the jar nested in the agent jar, in memory; no file
 * is written, read back or appended to the boot class path. Appending a jar made every JVM print
 * "Sharing is only supported for boot loader classes because bootstrap classpath has been
 * appended" and turned class data sharing off for application classes; and a jar file is read
 * lazily by the JVM long after any check of it, so wherever it lives someone able to rewrite it
 * could put code into {@code java.base}. Defining a class in the boot loader takes
 * {@code jdk.internal.misc.Unsafe.defineClass}, which {@code java.base} exports here only to a
 * class loader of the agent's own ({@code BootDefiner}), never to the application's modules.
 */
final class BootClasses {

    static final String RESOURCE = "/socktrace/socktrace-boot.jar";
    /** Any class of the boot part: its module is the boot loader's unnamed module. */
    static final String PROBE_CLASS = "io.socktrace.runtime.AgentLog";
    /** By name only: it is compiled after this class, against JDK internals (see its javadoc). */
    static final String DEFINER = "io.socktrace.agent.BootDefiner";
    static final String DEFINER_RESOURCE = "/io/socktrace/agent/BootDefiner.class";
    /**
     * The manifest attribute naming this build of the agent (version and build time, set by the
     * build): woven classes are cached per build, so a rebuilt agent never takes the woven output
     * of another. Coarser than a digest of the weaving code, and free: enumerating the ~3,000
     * entries of the agent jar for their CRCs cost ~12 ms of premain.
     */
    static final String BUILD_ATTRIBUTE = "Socktrace-Build";

    /** The class files of the boot part, by binary name. */
    private final Map<String, byte[]> classes;
    /** The class file of {@code BootDefiner}. */
    private final byte[] definerClass;
    /** A tag of the agent build's weaving code, or null when the agent is not a jar file. */
    private final String weavingTag;

    private BootClasses(Map<String, byte[]> classes, byte[] definerClass, String weavingTag) {
        this.classes = classes;
        this.definerClass = definerClass;
        this.weavingTag = weavingTag;
    }

    /**
     * Defines the boot part in the boot loader, opens the JDK internals the runtime reads, and
     * returns the weaving tag that names this build's woven classes in the cache (null when the
     * agent is not a jar file). Does nothing when a socktrace agent loaded in this JVM already did
     * it (the second load then stops, see {@code TracerConfig.claimAgentStart}).
     */
    static String install(Instrumentation inst) throws IOException {
        if (isDefined(PROBE_CLASS)) {
            return null; // loaded again: the first load defined them, opened the internals, and keeps its cache
        }
        BootClasses boot = read();
        boot.defineInBootLoader(inst);
        openJdkInternals(inst);
        return boot.weavingTag;
    }

    /**
     * A class loader of the boot part for command-line tools (no agent runs there), child of
     * {@code parent}.
     */
    static ClassLoader loader(ClassLoader parent) throws IOException {
        return new InMemoryLoader(read().classes, parent);
    }

    /** The class files of the nested jar, from the agent jar (or, in a build tree, from the class path). */
    static BootClasses read() throws IOException {
        File agentJar = agentJar();
        if (agentJar == null) {
            try (InputStream nested = BootClasses.class.getResourceAsStream(RESOURCE);
                 InputStream definer = BootClasses.class.getResourceAsStream(DEFINER_RESOURCE)) {
                if (nested == null || definer == null) {
                    throw new IOException("the agent has no " + (nested == null ? RESOURCE : DEFINER_RESOURCE));
                }
                return new BootClasses(classFiles(nested), definer.readAllBytes(), null);
            }
        }
        try (JarFile agent = new JarFile(agentJar, false)) {
            ZipEntry nested = agent.getEntry(RESOURCE.substring(1));
            ZipEntry definer = agent.getEntry(DEFINER_RESOURCE.substring(1));
            if (nested == null || definer == null) {
                throw new IOException(agentJar + " has no " + (nested == null ? RESOURCE : DEFINER_RESOURCE));
            }
            java.util.jar.Manifest manifest = agent.getManifest();
            String build = manifest == null ? null : manifest.getMainAttributes().getValue(BUILD_ATTRIBUTE);
            try (InputStream classes = agent.getInputStream(nested); InputStream definerClass = agent.getInputStream(definer)) {
                return new BootClasses(classFiles(classes), definerClass.readAllBytes(), build == null ? null : weavingTag(build, nested.getCrc()));
            }
        }
    }

    private static Map<String, byte[]> classFiles(InputStream nestedJar) throws IOException {
        Map<String, byte[]> out = new HashMap<>();
        // java.io and java.util.zip only: NIO streams would make JDK 25 load SocketChannelImpl now,
        // before its transformer is installed
        try (ZipInputStream in = new ZipInputStream(nestedJar)) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                String name = e.getName();
                if (name.endsWith(".class") && !name.endsWith("module-info.class") && !name.startsWith("META-INF/")) {
                    out.put(name.substring(0, name.length() - ".class".length()).replace('/', '.'), in.readAllBytes());
                }
            }
        }
        if (out.isEmpty()) {
            throw new IOException(RESOURCE + " holds no classes");
        }
        return out;
    }

    /** Binary names in an order where every class comes after its superclass and interfaces of the boot part. */
    List<String> definitionOrder() throws IOException {
        List<String> order = new ArrayList<>(classes.size());
        Set<String> placed = new HashSet<>();
        String[] names = classes.keySet().toArray(new String[0]);
        java.util.Arrays.sort(names); // the same order every run
        for (String name : names) {
            place(name, order, placed, new HashSet<>());
        }
        return order;
    }

    /** The direct supertypes of one class of the boot part. */
    List<String> supertypesOf(String name) throws IOException {
        return ClassFileHeader.supertypes(classes.get(name));
    }

    private void place(String name, List<String> order, Set<String> placed, Set<String> visiting) throws IOException {
        if (placed.contains(name) || !classes.containsKey(name)) {
            return;
        }
        if (!visiting.add(name)) {
            throw new IOException("circular superclass or interface in " + RESOURCE + " at " + name);
        }
        for (String supertype : supertypesOf(name)) {
            place(supertype, order, placed, visiting);
        }
        placed.add(name);
        order.add(name);
    }

    /**
     * Defines the boot part through a copy of {@code BootDefiner} in a class loader of its own, the
     * only module {@code jdk.internal.misc} is exported to; the copy does the work in its static
     * initialiser, with the classes its loader hands it.
     */
    private void defineInBootLoader(Instrumentation inst) throws IOException {
        List<String> order = definitionOrder();
        DefinerLoader loader = new DefinerLoader(definerClass, new Object[] {order, classes});
        Class<?> definer = loader.define();
        Module javaBase = Object.class.getModule();
        inst.redefineModule(javaBase, Set.of(), Map.of("jdk.internal.misc", Set.of(definer.getModule())), Map.of(), Set.of(), Map.of());
        try {
            Class.forName(DEFINER, true, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw failure("could not define the boot classes", e instanceof ExceptionInInitializerError && e.getCause() != null ? e.getCause() : e);
        }
    }

    /**
     * Holds the one copy of {@code BootDefiner} and hands it the classes to define; finds nothing
     * else ({@code Class.forName} finds the copy among the classes it defined).
     */
    private static final class DefinerLoader extends ClassLoader implements java.util.function.Supplier<Object[]> {
        private final byte[] definerClass;
        private final Object[] work;

        DefinerLoader(byte[] definerClass, Object[] work) {
            super("socktrace-boot-definer", ClassLoader.getPlatformClassLoader());
            this.definerClass = definerClass;
            this.work = work;
        }

        Class<?> define() throws IOException {
            try {
                return defineClass(DEFINER, definerClass, 0, definerClass.length);
            } catch (LinkageError e) {
                throw failure("could not define " + DEFINER, e);
            }
        }

        @Override
        public Object[] get() {
            return work;
        }
    }

    /** Whether a class of this name is defined in the boot loader (without loading anything). */
    static boolean isDefined(String name) {
        try {
            Class.forName(name, false, null);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /** The weaving tag: this agent build and the boot part it calls (CRC-32 from the jar's directory). */
    private static String weavingTag(String build, long bootJarCrc) {
        CRC32 tag = new CRC32();
        for (int i = 0; i < build.length(); i++) { // not getBytes(UTF_8): StandardCharsets loads every charset
            tag.update(build.charAt(i));
        }
        for (int i = 0; i < 8; i++) {
            tag.update((int) (bootJarCrc >>> (8 * i)));
        }
        return Long.toHexString(tag.getValue());
    }

    /** The jar this class was loaded from, or null when it was not loaded from a jar file. */
    static File agentJar() {
        try {
            CodeSource source = BootClasses.class.getProtectionDomain().getCodeSource();
            if (source == null || source.getLocation() == null || !"file".equals(source.getLocation().getProtocol())) {
                return null;
            }
            File file = new File(source.getLocation().toURI());
            return file.isFile() ? file : null;
        } catch (URISyntaxException | IllegalArgumentException | SecurityException e) {
            return null;
        }
    }

    /**
     * Lets the runtime read the JDK fields advice cannot reach by itself (the peer of an accepted
     * socket, the descriptor of a closing one) by opening their packages to the boot unnamed module.
     */
    private static void openJdkInternals(Instrumentation inst) throws IOException {
        Module runtime;
        try {
            runtime = Class.forName(PROBE_CLASS, false, null).getModule();
        } catch (ClassNotFoundException e) {
            throw new IOException("the boot classes were defined but " + PROBE_CLASS + " is not visible", e);
        }
        Module javaBase = Object.class.getModule();
        inst.redefineModule(javaBase, Set.of(), Map.of(),
                Map.of("java.net", Set.of(runtime), "sun.nio.ch", Set.of(runtime), "java.io", Set.of(runtime),
                        "sun.security.ssl", Set.of(runtime), "jdk.internal.misc", Set.of(runtime)), Set.of(), Map.of());
    }

    /**
     * Reads the superclass and interfaces from a class file's header. On the bytes directly, without
     * decoding the constant pool's strings: this runs interpreted in premain.
     */
    static final class ClassFileHeader {

        private ClassFileHeader() {
        }

        /** Binary names of the superclass (none for Object) and the direct interfaces. */
        static List<String> supertypes(byte[] b) throws IOException {
            try {
                if (u4(b, 0) != 0xCAFEBABE) {
                    throw new IOException("not a class file");
                }
                int count = u2(b, 8);
                int[] utf8Offset = new int[count];
                int[] classNameIndex = new int[count];
                int at = 10;
                for (int i = 1; i < count; i++) {
                    int tag = b[at] & 0xff;
                    switch (tag) {
                        case 1: utf8Offset[i] = at + 1; at += 3 + u2(b, at + 1); break;
                        case 7: classNameIndex[i] = u2(b, at + 1); at += 3; break;
                        case 8: case 16: case 19: case 20: at += 3; break;
                        case 15: at += 4; break;
                        case 3: case 4: case 9: case 10: case 11: case 12: case 17: case 18: at += 5; break;
                        case 5: case 6: at += 9; i++; break;
                        default: throw new IOException("unknown constant pool tag " + tag + " at entry " + i);
                    }
                }
                at += 4; // access flags, this class
                List<String> out = new ArrayList<>(4);
                int superIndex = u2(b, at);
                if (superIndex != 0) {
                    out.add(className(b, utf8Offset, classNameIndex, superIndex));
                }
                int interfaces = u2(b, at + 2);
                for (int i = 0; i < interfaces; i++) {
                    out.add(className(b, utf8Offset, classNameIndex, u2(b, at + 4 + 2 * i)));
                }
                return out;
            } catch (ArrayIndexOutOfBoundsException e) {
                throw new IOException("truncated class file");
            }
        }

        /** The class name at a Class entry; ASCII, as every name in the boot part is. */
        private static String className(byte[] b, int[] utf8Offset, int[] classNameIndex, int index) throws IOException {
            int name = index > 0 && index < classNameIndex.length ? classNameIndex[index] : 0;
            if (name <= 0 || name >= utf8Offset.length || utf8Offset[name] == 0) {
                throw new IOException("bad class reference " + index);
            }
            int offset = utf8Offset[name];
            char[] chars = new char[u2(b, offset)];
            for (int i = 0; i < chars.length; i++) {
                char c = (char) (b[offset + 2 + i] & 0xff);
                chars[i] = c == '/' ? '.' : c;
            }
            return new String(chars);
        }

        private static int u2(byte[] b, int at) {
            return (b[at] & 0xff) << 8 | (b[at + 1] & 0xff);
        }

        private static int u4(byte[] b, int at) {
            return u2(b, at) << 16 | u2(b, at + 2);
        }
    }

    /** Defines classes from bytes held in memory, for the command-line tools. */
    private static final class InMemoryLoader extends ClassLoader {
        private final Map<String, byte[]> classes;

        InMemoryLoader(Map<String, byte[]> classes, ClassLoader parent) {
            super("socktrace-boot", parent);
            this.classes = classes;
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            byte[] bytes = classes.get(name);
            if (bytes == null) {
                throw new ClassNotFoundException(name);
            }
            return defineClass(name, bytes, 0, bytes.length);
        }

    }

    static IOException failure(String what, Throwable cause) {
        return new IOException(what + ": " + cause, cause);
    }
}
