package io.socktrace.agent;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.CodeSource;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;

/**
 * Puts the event classes and runtime ({@code jfr-events}) on the boot class path, and only those:
 * advice inlined into {@code java.base} can see nothing else. The jar travels inside the agent jar
 * and is written to the temp directory under a name derived from its content, so concurrent JVMs
 * share one copy and never see a half-written file.
 */
final class BootJar {

    static final String RESOURCE = "/socktrace/socktrace-boot.jar";
    /** Any class of the boot jar: its module is the boot loader's unnamed module. */
    static final String PROBE_CLASS = "io.socktrace.runtime.AgentLog";

    private BootJar() {
    }

    /**
     * Appends the boot jar, kept in {@code cacheDirectory} (the temp directory when null), and
     * returns the tag of this agent build's weaving code (null when the agent is not a jar file),
     * which names its woven classes in the cache.
     */
    static String install(Instrumentation inst, File cacheDirectory) throws IOException {
        String[] tag = new String[1];
        inst.appendToBootstrapClassLoaderSearch(new JarFile(extract(cacheDirectory, tag).toFile()));
        openJdkInternals(inst);
        return tag[0];
    }

    /** The boot jar as a file, for command-line tools that need its classes. */
    static Path extract() throws IOException {
        return extract(cacheDirectory(), new String[1]);
    }

    /**
     * The boot jar as a file, named after the CRC-32 and size the agent jar's directory records for
     * it, so a JVM that finds the file in place reads neither the nested jar nor (in the user's own
     * cache directory) the file. {@code tag[0]} receives the weaving tag.
     */
    private static Path extract(File cacheDirectory, String[] tag) throws IOException {
        File agentJar = agentJar();
        if (agentJar == null) {
            return extract(BootJar.class.getResourceAsStream(RESOURCE), -1, -1, cacheDirectory);
        }
        try (JarFile agent = new JarFile(agentJar, false)) {
            ZipEntry entry = agent.getEntry(RESOURCE.substring(1));
            if (entry == null) {
                throw new IOException(agentJar + " has no " + RESOURCE);
            }
            tag[0] = weavingTag(agent, entry.getCrc());
            return extract(agent.getInputStream(entry), entry.getCrc(), entry.getSize(), cacheDirectory);
        }
    }

    /**
     * A tag for everything that decides how a JDK class is woven: the instrumentation classes, the
     * Byte Buddy they use, and the boot jar they call. Taken from the CRC-32s the jar's directory
     * records, so no entry is read.
     */
    private static String weavingTag(JarFile agent, long bootJarCrc) {
        CRC32 tag = new CRC32();
        byte[] buffer = new byte[8];
        update(tag, buffer, bootJarCrc);
        for (java.util.Enumeration<java.util.jar.JarEntry> entries = agent.entries(); entries.hasMoreElements(); ) {
            ZipEntry e = entries.nextElement();
            String name = e.getName();
            if (name.startsWith("io/socktrace/instrumentation/") || name.equals(BYTE_BUDDY_CLASS)) {
                update(tag, buffer, name.hashCode());
                update(tag, buffer, e.getCrc());
            }
        }
        return Long.toHexString(tag.getValue());
    }

    private static final String BYTE_BUDDY_CLASS = "io/socktrace/shaded/net/bytebuddy/ByteBuddy.class";

    private static void update(CRC32 crc, byte[] buffer, long value) {
        for (int i = 0; i < 8; i++) {
            buffer[i] = (byte) (value >>> (8 * i));
        }
        crc.update(buffer, 0, 8);
    }

    /**
     * The user's own cache directory for socktrace ({@code $XDG_CACHE_HOME/socktrace}, else
     * {@code ~/.cache/socktrace}), created {@code rwx------}; null when there is none that this
     * user can write (a read-only or missing home), and then nothing is cached. Woven classes
     * become code in {@code java.base}, so they are never kept where other users can write.
     */
    static File cacheDirectory() {
        try {
            String xdg = System.getenv("XDG_CACHE_HOME");
            File base;
            if (xdg != null && new File(xdg).isAbsolute()) {
                base = new File(xdg);
            } else {
                String home = System.getProperty("user.home");
                if (home == null || home.isEmpty() || home.equals("?")) {
                    return null;
                }
                base = new File(home, ".cache");
            }
            File dir = new File(base, "socktrace");
            if (!dir.isDirectory()) {
                base.mkdirs();
                if (!dir.mkdir() && !dir.isDirectory()) {
                    return null;
                }
                // owner only: read, write and search
                dir.setReadable(false, false);
                dir.setWritable(false, false);
                dir.setExecutable(false, false);
                dir.setReadable(true, true);
                dir.setWritable(true, true);
                dir.setExecutable(true, true);
            }
            return dir.canWrite() && !Files.isSymbolicLink(dir.toPath()) ? dir : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The jar this class was loaded from, or null when it was not loaded from a jar file. */
    private static File agentJar() {
        try {
            CodeSource source = BootJar.class.getProtectionDomain().getCodeSource();
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
     * Writes the jar from {@code in} unless a file with its content tag is there already. In the
     * shared temp directory (no cache directory) a file found there is used only if its content
     * matches: anyone could have put it there.
     */
    private static Path extract(InputStream in, long crc, long size, File cacheDirectory) throws IOException {
        if (in == null) {
            throw new IOException("the agent jar has no " + RESOURCE);
        }
        try (in) {
            boolean shared = cacheDirectory == null;
            Path dir = shared ? Path.of(System.getProperty("java.io.tmpdir")) : cacheDirectory.toPath();
            if (crc >= 0 && size >= 0) {
                File known = dir.resolve(name(crc, size)).toFile();
                if (known.length() == size && (!shared || crcOf(known) == crc)) { // java.io: 0 when absent
                    return known.toPath();
                }
            }
            byte[] bytes = in.readAllBytes();
            CRC32 computed = new CRC32();
            computed.update(bytes);
            Path jar = dir.resolve(name(computed.getValue(), bytes.length));
            if (!Files.exists(jar) || Files.size(jar) != bytes.length || (shared && crcOf(jar.toFile()) != computed.getValue())) {
                // not Files.createTempFile: its SecureRandom initialises java.security, which on JDK 25
                // reads files through NIO streams and so loads SocketChannelImpl before its transformer
                File tmpFile = dir.resolve(new StringBuilder("socktrace-boot.").append(ProcessHandle.current().pid())
                        .append(".tmp").toString()).toFile();
                if (!tmpFile.createNewFile() && !(tmpFile.delete() && tmpFile.createNewFile())) {
                    throw new IOException("could not create " + tmpFile);
                }
                Path tmp = tmpFile.toPath();
                // java.io, not Files.write: NIO streams make JDK 25 load SocketChannelImpl, which then
                // could only be retransformed instead of instrumented as it loads
                try (FileOutputStream out = new FileOutputStream(tmp.toFile())) {
                    out.write(bytes);
                }
                Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            return jar;
        }
    }

    private static long crcOf(File file) throws IOException {
        try (java.io.FileInputStream in = new java.io.FileInputStream(file)) {
            CRC32 crc = new CRC32();
            crc.update(in.readAllBytes());
            return crc.getValue();
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
            throw new IOException("the boot jar was appended but " + PROBE_CLASS + " is not visible", e);
        }
        Module javaBase = Object.class.getModule();
        inst.redefineModule(javaBase, Set.of(), Map.of(),
                Map.of("java.net", Set.of(runtime), "sun.nio.ch", Set.of(runtime), "java.io", Set.of(runtime)), Set.of(), Map.of());
    }

    /**
     * The file name: a content tag from CRC-32 and size, not a MessageDigest: initialising
     * java.security reads files through NIO streams, which on JDK 25 loads SocketChannelImpl before
     * the agent can instrument it as it loads. StringBuilder, not string concatenation: its
     * invokedynamic bootstrap costs start-up time.
     */
    private static String name(long crc, long size) {
        return new StringBuilder("socktrace-boot-").append(Long.toHexString(crc)).append('-')
                .append(Long.toHexString(size)).append(".jar").toString();
    }
}
