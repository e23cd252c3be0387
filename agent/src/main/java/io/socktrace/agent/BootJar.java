package io.socktrace.agent;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.zip.CRC32;

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

    /** The boot jar as a file, for {@link #install} and for command-line tools that need its classes. */
    static Path extract() throws IOException {
        byte[] bytes;
        try (InputStream in = BootJar.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException("the agent jar has no " + RESOURCE);
            }
            bytes = in.readAllBytes();
        }
        Path dir = Path.of(System.getProperty("java.io.tmpdir"));
        Path jar = dir.resolve("socktrace-boot-" + digest(bytes) + ".jar");
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
     * A content tag for the file name. CRC-32, not a MessageDigest: initialising java.security
     * reads files through NIO streams, which on JDK 25 loads SocketChannelImpl before the agent
     * can instrument it as it loads.
     */
    private static String digest(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes);
        return Long.toHexString(crc.getValue()) + "-" + Integer.toHexString(bytes.length);
    }
}
