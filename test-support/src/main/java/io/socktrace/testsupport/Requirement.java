package io.socktrace.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * One thing a test needs from the machine it runs on (root, a command on the PATH, a JDK version),
 * whether this machine has it, and what gets it. {@link Requirements#require} turns the missing
 * ones into one skip reason.
 */
public final class Requirement {
    /** Reasons that start with this are skips a strict build tolerates: CI covers them with its other JDK. */
    static final String JDK_PREFIX = "JDK ";

    private final String name;
    private final boolean met;
    private final String remedy;

    private Requirement(String name, boolean met, String remedy) {
        this.name = name;
        this.met = met;
        this.remedy = remedy;
    }

    /** Root (effective user id 0): live packet capture, iptables rules, files owned by another user. */
    public static Requirement root() {
        return new Requirement("root", isRoot(), "run the build as root (sudo -E mvn -B verify), as CI does");
    }

    /**
     * An executable {@code command} in a directory of the PATH, the way {@link ProcessBuilder}
     * finds it; {@code aptPackage} is the Debian/Ubuntu package that installs it.
     */
    public static Requirement command(String command, String aptPackage) {
        return new Requirement(command, onPath(command).isPresent(), "apt-get install " + aptPackage);
    }

    /** A shared library in the usual library directories (pcap4j loads libpcap by name, without a path). */
    public static Requirement library(String soName, String aptPackage) {
        boolean found = false;
        for (String dir : List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib64", "/lib")) {
            Path candidate = Path.of(dir, soName);
            if (Files.exists(candidate) || Files.exists(Path.of(dir, soName + ".1")) || Files.exists(Path.of(dir, soName + ".0.8"))) {
                found = true;
                break;
            }
        }
        return new Requirement(soName, found, "apt-get install " + aptPackage);
    }

    /**
     * A PostgreSQL server's programs ({@code initdb}, {@code postgres}): Debian keeps them in
     * {@code /usr/lib/postgresql/<version>/bin}, not on the PATH.
     */
    public static Requirement postgresServer() {
        return new Requirement("PostgreSQL server", postgresBin().isPresent(), "apt-get install postgresql");
    }

    /** The directory of the newest PostgreSQL server programs installed, if any. */
    public static Optional<Path> postgresBin() {
        try (java.util.stream.Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(bin -> Files.isExecutable(bin.resolve("postgres")) && Files.isExecutable(bin.resolve("initdb")))
                    .max(java.util.Comparator.comparing(bin -> bin.getParent().getFileName().toString(),
                            java.util.Comparator.comparingInt((String v) -> v.length()).thenComparing(v -> v)));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** A JDK whose feature release is at least {@code feature} (virtual threads: 21). */
    public static Requirement jdk(int feature) {
        return new Requirement(JDK_PREFIX + feature + "+", Runtime.version().feature() >= feature,
                "run the build on JDK " + feature + " or newer (JAVA_HOME=... mvn -B verify); this is "
                        + System.getProperty("java.version"));
    }

    /** The first executable file named {@code command} in the PATH's directories. */
    public static Optional<Path> onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, command);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Whether this process runs as root (effective user id 0). */
    public static boolean isRoot() {
        // /proc/self belongs to the effective user; user.name can differ (su without a login shell)
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    String name() {
        return name;
    }

    /** Whether this machine has it. */
    public boolean met() {
        return met;
    }

    String remedy() {
        return remedy;
    }
}
