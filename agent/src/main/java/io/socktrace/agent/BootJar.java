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

    static void install(Instrumentation inst) throws IOException {
        inst.appendToBootstrapClassLoaderSearch(new JarFile(extract().toFile()));
        openJdkInternals(inst);
    }

    /**
     * The boot jar as a file, for {@link #install} and for command-line tools that need its classes.
     * Named after the CRC-32 and size the agent jar's directory records for it, so a JVM that finds
     * the file in place reads neither the nested jar nor the file.
     */
    static Path extract() throws IOException {
        File agentJar = agentJar();
        if (agentJar == null) {
            return extract(BootJar.class.getResourceAsStream(RESOURCE), -1, -1);
        }
        try (JarFile agent = new JarFile(agentJar, false)) {
            ZipEntry entry = agent.getEntry(RESOURCE.substring(1));
            if (entry == null) {
                throw new IOException(agentJar + " has no " + RESOURCE);
            }
            return extract(agent.getInputStream(entry), entry.getCrc(), entry.getSize());
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

    /** Writes the jar from {@code in} unless a file with its content tag is there already. */
    private static Path extract(InputStream in, long crc, long size) throws IOException {
        if (in == null) {
            throw new IOException("the agent jar has no " + RESOURCE);
        }
        try (in) {
            Path dir = Path.of(System.getProperty("java.io.tmpdir"));
            if (crc >= 0 && size >= 0) {
                File known = dir.resolve(name(crc, size)).toFile();
                if (known.length() == size) { // java.io: 0 when absent
                    return known.toPath();
                }
            }
            byte[] bytes = in.readAllBytes();
            CRC32 computed = new CRC32();
            computed.update(bytes);
            Path jar = dir.resolve(name(computed.getValue(), bytes.length));
            if (!Files.exists(jar) || Files.size(jar) != bytes.length) {
                Path tmp = Files.createTempFile(dir, "socktrace-boot", ".tmp");
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
