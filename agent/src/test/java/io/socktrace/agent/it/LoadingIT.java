package io.socktrace.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.agent.it.AgentJvm.Endpoints;
import io.socktrace.agent.it.AgentJvm.Result;
import io.socktrace.agent.it.programs.ForeignAgent;
import io.socktrace.agent.it.programs.Hello;
import io.socktrace.agent.it.programs.LateAttach;
import io.socktrace.agent.it.programs.MidFlight;
import io.socktrace.testsupport.Requirement;
import io.socktrace.testsupport.Requirements;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every way socktrace gets into a JVM, each asserting the application's output and exit code and
 * socktrace's events: next to the OpenTelemetry agent and another Byte Buddy agent in either order,
 * loaded twice, attached while calls are blocked, with no usable home directory, and with files
 * another user planted where an older agent would have looked.
 */
class LoadingIT {

    private static final Path OTEL_AGENT = Path.of(System.getProperty("socktrace.otelAgent", "target/it-libs/opentelemetry-javaagent.jar"));
    private static final Path FOREIGN_BYTE_BUDDY = Path.of(System.getProperty("socktrace.foreignByteBuddy",
            "target/it-libs/byte-buddy-foreign.jar"));
    /** OpenTelemetry's exporters off: nothing listens for them here, and their retries only add noise. */
    private static final Map<String, String> QUIET_OTEL = Map.of("OTEL_TRACES_EXPORTER", "none",
            "OTEL_METRICS_EXPORTER", "none", "OTEL_LOGS_EXPORTER", "none");
    private static final String HELLO_OUTPUT = "hello from the application\nconnect: Connection refused\n";
    private static final int NOBODY = 65534;

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    @Test
    void javaVersion_printsExactlyWhatJavaPrints() throws Exception {
        Files.createDirectories(AgentJvm.WORK);
        Result plain = AgentJvm.exec(List.of(AgentJvm.JAVA, "-version"), null);
        Result agent = AgentJvm.exec(List.of(AgentJvm.JAVA, "-javaagent:" + AgentJvm.AGENT_JAR, "-version"), null);
        Path recording = AgentJvm.WORK.resolve("version-" + System.nanoTime() + ".jfr");
        Result recorded = AgentJvm.exec(List.of(AgentJvm.JAVA, "-javaagent:" + AgentJvm.AGENT_JAR + "=recording=" + recording,
                "-version"), recording);
        for (Result r : List.of(agent, recorded)) {
            assertThat(r.exitCode).isZero();
            assertThat(r.stdout).isEqualTo(plain.stdout);
            assertThat(r.stderr).as("no CDS warning, nothing of the agent's").isEqualTo(plain.stderr);
        }
        assertThat(plain.stderr).contains("sharing"); // class data sharing stays on
    }

    @Test
    void application_printsExactlyWhatItPrintsWithoutTheAgent() throws Exception {
        Result plain = AgentJvm.exec(List.of(AgentJvm.JAVA, "-cp", AgentJvm.TEST_CLASSES.toString(), Hello.class.getName()), null);
        Result traced = AgentJvm.program(Hello.class, "");
        assertThat(plain.stdout).isEqualTo(HELLO_OUTPUT);
        assertThat(traced.stdout).isEqualTo(HELLO_OUTPUT);
        assertThat(traced.stderr).isEqualTo(plain.stderr).isEmpty();
        assertRefusedConnect(traced);
    }

    /**
     * The OpenTelemetry Java agent in either order; socktrace's own recording, a recording the JVM
     * starts, or none. On JDK 17, socktrace first with its recording used to kill the JVM with a
     * ClassCircularityError for java.lang.invoke.MethodHandle$1 (see InvokePreload).
     */
    @ParameterizedTest(name = "{0} first, {1}")
    @CsvSource({
        "socktrace, socktrace-recording", "socktrace, jvm-recording", "socktrace, no-recording",
        "opentelemetry, socktrace-recording", "opentelemetry, jvm-recording", "opentelemetry, no-recording",
    })
    void nextToOpenTelemetry_theApplicationRunsAndIsTraced(String first, String recordingKind) throws Exception {
        assertThat(OTEL_AGENT).exists();
        Files.createDirectories(AgentJvm.WORK);
        Path recording = Files.createTempFile(AgentJvm.WORK, "otel", ".jfr");
        Files.delete(recording);
        String socktrace = "-javaagent:" + AgentJvm.AGENT_JAR
                + (recordingKind.equals("socktrace-recording") ? "=recording=" + recording : "");
        String otel = "-javaagent:" + OTEL_AGENT;
        List<String> cmd = new ArrayList<>(List.of(AgentJvm.JAVA));
        cmd.addAll(first.equals("socktrace") ? List.of(socktrace, otel) : List.of(otel, socktrace));
        if (recordingKind.equals("jvm-recording")) {
            cmd.add("-XX:StartFlightRecording:filename=" + recording);
        }
        cmd.addAll(List.of("-jar", AgentJvm.DEMO_JAR.toString(), "reset"));
        // a filled woven-class cache: without Byte Buddy loading at the first socket class, socktrace's
        // start-up is at its leanest, the one that moved the lambda count into OpenTelemetry's premain
        Map<String, String> env = new java.util.HashMap<>(QUIET_OTEL);
        env.put("XDG_CACHE_HOME", filledCache().toAbsolutePath().toString());
        Result r = AgentJvm.exec(cmd, recording, env);

        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        assertThat(r.stderr).doesNotContain("ClassCircularityError").doesNotContain("failed to start")
                .doesNotContain("[socktrace]").contains("opentelemetry-javaagent - version: " + System.getProperty("socktrace.otelAgentVersion", ""));
        assertThat(r.stdout).containsPattern("client: wrote 5 bytes, then read failed after \\d+ (ms|us): java.net.SocketException: Connection reset")
                .contains("server: read 5 bytes, then closed with SO_LINGER 0");
        if (recordingKind.equals("no-recording")) {
            assertThat(recording).doesNotExist();
            return;
        }
        Endpoints client = r.socket("client");
        RecordedEvent reset = r.single("socktrace.Reset", client);
        assertThat(reset.getString("kind")).isEqualTo("CONNECTION_RESET");
        assertThat(reset.getLong("bytesWritten")).isEqualTo(5);
        assertThat(r.single("socktrace.Receive", client).getString("outcome")).isEqualTo("RESET");
        assertThat(r.single("socktrace.Close", r.socket("server")).getString("initiator")).isEqualTo("ABORT");
    }

    /** An agent on another Byte Buddy version that weaves NioSocketImpl too: both see every connect, once. */
    @ParameterizedTest(name = "{0} first")
    @CsvSource({"socktrace", "foreign"})
    void nextToAnotherByteBuddyAgent_bothWeaveTheSameClass(String first) throws Exception {
        Path foreignAgent = foreignAgentJar();
        Files.createDirectories(AgentJvm.WORK);
        Path recording = Files.createTempFile(AgentJvm.WORK, "foreign", ".jfr");
        Files.delete(recording);
        String socktrace = "-javaagent:" + AgentJvm.AGENT_JAR + "=recording=" + recording;
        String foreign = "-javaagent:" + foreignAgent;
        List<String> cmd = new ArrayList<>(List.of(AgentJvm.JAVA));
        cmd.addAll(first.equals("socktrace") ? List.of(socktrace, foreign) : List.of(foreign, socktrace));
        // the older Byte Buddy reads class files of JDKs newer than it knows only when told to
        cmd.add("-Dnet.bytebuddy.experimental=true");
        cmd.addAll(List.of("-cp", AgentJvm.TEST_CLASSES.toString(), Hello.class.getName()));
        Result r = AgentJvm.exec(cmd, recording);

        assertThat(r.exitCode).as(r.stderr).isZero();
        assertThat(r.stdout).isEqualTo(HELLO_OUTPUT);
        assertThat(r.stderr.lines().filter(l -> l.startsWith("[foreign-agent]")).collect(Collectors.toList()))
                .containsExactly("[foreign-agent] installed", "[foreign-agent] connect");
        assertThat(r.stderr).doesNotContain("[socktrace]").doesNotContain("Exception").doesNotContain("Error");
        assertRefusedConnect(r);
    }

    /** On the command line and then attached: the second load changes nothing and prints nothing. */
    @Test
    void commandLineThenAttach_tracesEachOperationOnce() throws Exception {
        Files.createDirectories(AgentJvm.WORK);
        Path go = AgentJvm.WORK.resolve("go-" + System.nanoTime());
        Path recording = Files.createTempFile(AgentJvm.WORK, "twice", ".jfr");
        Files.delete(recording);
        Path second = AgentJvm.WORK.resolve(recording.getFileName().toString().replace(".jfr", "-second.jfr"));
        Result r = AgentJvm.attachWhenReady(List.of("-javaagent:" + AgentJvm.AGENT_JAR + "=recording=" + recording
                + ",receiveThreshold=0,sendThreshold=0", "-cp", AgentJvm.TEST_CLASSES.toString(), LateAttach.class.getName()), go,
                recording, "recording=" + second + ",log=info");
        assertThat(r.exitCode).as(r.stdout).isZero();
        // log=info for the second load: it says it kept the first load's options, once
        assertThat(r.stdout).contains("already running in this JVM; the options of this load are ignored")
                .doesNotContain("WARNING").doesNotContain("Exception");
        assertThat(second).doesNotExist();
        Endpoints old = r.socket("old");
        assertThat(r.single("socktrace.Connect", old).getString("outcome")).isEqualTo("CONNECTED");
        assertThat(r.single("socktrace.Send", old).getLong("bytesWritten")).isEqualTo(1234);
        assertThat(r.single("socktrace.Close", old).getLong("bytesWritten")).isEqualTo(1234);
        Endpoints fresh = r.socket("new");
        assertThat(r.single("socktrace.Connect", fresh).getString("outcome")).isEqualTo("CONNECTED");
        assertThat(r.single("socktrace.Send", fresh).getLong("bytesWritten")).isEqualTo(99);
    }

    /**
     * Attached while one thread is blocked in a read and another in a connect whose SYN is dropped:
     * the application sees what it would see without the agent (the read returns its bytes, the
     * connect times out), and what follows on those connections is traced.
     */
    @Test
    void attachWhileCallsAreBlocked_changesNothingTheApplicationSees() throws Exception {
        Files.createDirectories(AgentJvm.WORK);
        Path go = AgentJvm.WORK.resolve("go-" + System.nanoTime());
        Path recording = Files.createTempFile(AgentJvm.WORK, "midflight", ".jfr");
        Files.delete(recording);
        Result r = AgentJvm.attachWhenReady(List.of("-cp", AgentJvm.TEST_CLASSES.toString(), MidFlight.class.getName()), go,
                recording, "recording=" + recording + ",receiveThreshold=0,sendThreshold=0");
        String out = r.stdout;
        assertThat(r.exitCode).as(out).isZero();
        assertThat(out).contains("first read 5, second read 7")
                .containsPattern("connect: SocketTimeoutException: Connect timed out after [78] s")
                .contains("new server read 99").doesNotContain("WARNING").doesNotContain("[socktrace]");

        Endpoints reader = r.socket("reader");
        // the read blocked across the attach ran the old code to its end; the next one is woven
        RecordedEvent second = r.single("socktrace.Receive", reader);
        assertThat(second.getLong("bytesRead")).isEqualTo(7);
        assertThat(second.getString("outcome")).isEqualTo("OK");
        RecordedEvent close = r.single("socktrace.Close", reader);
        assertThat(close.getLong("bytesRead")).as("bytes read since the attach").isEqualTo(7);
        int blockedPort = r.target("blocked").remotePort;
        assertThat(r.events("socktrace.Connect", e -> e.getInt("port") == blockedPort))
                .as("the connect blocked across the attach is not reported as something it was not")
                .allSatisfy(e -> assertThat(e.getString("outcome")).isEqualTo("TIMED_OUT"));
        Endpoints fresh = r.socket("new");
        assertThat(r.single("socktrace.Connect", fresh).getString("outcome")).isEqualTo("CONNECTED");
        assertThat(r.single("socktrace.Send", fresh).getLong("bytesWritten")).isEqualTo(99);
    }

    /**
     * A service account with a home it cannot write (as root: the real {@code nobody}, whose home
     * is {@code /nonexistent}; otherwise a home made read-only) and no XDG_CACHE_HOME: traced the
     * same, nothing printed, nothing written.
     */
    @Test
    void readOnlyHome_noCacheHome_tracesAndPrintsNothing() throws Exception {
        Path dir = Files.createTempDirectory("socktrace-rohome");
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
            Path recording = dir.resolve("ro.jfr");
            // first: it makes every directory under dir rwxr-xr-x, which would undo the read-only home below
            Path classes = worldReadableCopy(dir);
            List<String> cmd = new ArrayList<>();
            Path home;
            if (isRoot()) {
                home = Path.of("/nonexistent");
                cmd.addAll(List.of("runuser", "-u", "nobody", "--", "env", "-i", "PATH=/usr/bin:/bin", "HOME=" + home));
            } else {
                home = Files.createDirectory(dir.resolve("home"));
                Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("r-xr-xr-x"));
                cmd.addAll(List.of("env", "-u", "XDG_CACHE_HOME", "HOME=" + home));
            }
            cmd.addAll(List.of(AgentJvm.JAVA, "-Duser.home=" + home, "-javaagent:" + classes.resolve("socktrace-agent.jar")
                    + "=recording=" + recording, "-cp", classes.toString(), Hello.class.getName()));
            Result r = AgentJvm.exec(cmd, recording);
            assertThat(r.exitCode).as(r.stderr).isZero();
            assertThat(r.stdout).isEqualTo(HELLO_OUTPUT);
            assertThat(r.stderr).isEmpty();
            assertRefusedConnect(r);
            assertThat(home.resolve(".cache")).doesNotExist();
        } finally {
            deleteTree(dir);
        }
    }

    /**
     * Woven classes are code in java.base: a cache directory is used only if this user owns it and
     * no one else can write it. Each planted directory holds genuine entries (copied from a
     * trusted cache, where the same run takes them: the control), and none is used.
     */
    @Test
    void untrustedCacheDirectories_areNeverUsed() throws Exception {
        Files.createDirectories(AgentJvm.WORK);
        Path trusted = Files.createTempDirectory(AgentJvm.WORK, "cache-own");
        helloWithCache(trusted);
        List<Path> entries = cacheEntries(trusted.resolve("socktrace"));
        assertThat(entries).isNotEmpty();
        Result control = helloWithCache(trusted);
        assertThat(control.stderr).as("the control: a trusted cache is used").contains("instrumented sun.nio.ch.NioSocketImpl from the cache");

        Path open = Files.createTempDirectory(AgentJvm.WORK, "cache-open");
        Path openDir = plantedCopy(entries, open.resolve("socktrace"));
        Files.setPosixFilePermissions(openDir, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertNotUsed(helloWithCache(open), openDir, "is writable by others (mode 777)");

        Path linked = Files.createTempDirectory(AgentJvm.WORK, "cache-link");
        Files.createSymbolicLink(linked.resolve("socktrace"), trusted.resolve("socktrace").toAbsolutePath());
        assertNotUsed(helloWithCache(linked), linked.resolve("socktrace"), "is a symbolic link");
    }

    /** The same with a directory another user (nobody) owns, mode 755: only root can make one here. */
    @Test
    void anotherUsersCacheDirectory_isNeverUsed() throws Exception {
        Requirements.require(Requirement.root()); // to create files owned by another user
        Files.createDirectories(AgentJvm.WORK);
        Path trusted = Files.createTempDirectory(AgentJvm.WORK, "cache-own");
        helloWithCache(trusted);
        List<Path> entries = cacheEntries(trusted.resolve("socktrace"));
        assertThat(entries).isNotEmpty();
        Path foreign = Files.createTempDirectory(AgentJvm.WORK, "cache-foreign");
        Path foreignDir = plantedCopy(entries, foreign.resolve("socktrace"));
        Files.setPosixFilePermissions(foreignDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        chownTree(foreignDir, NOBODY);
        assertNotUsed(helloWithCache(foreign), foreignDir, "is owned by user " + NOBODY + ", not by this process's user 0");
    }

    /**
     * Older agents wrote their boot jar to the temp directory and took a file already there if its
     * CRC-32 matched. Another user's copy of it (as root: owned by nobody) sits there now, under
     * the exact name: socktrace defines its classes from memory and never opens it.
     */
    @Test
    void plantedBootJarInTheTempDirectory_isNeverLoaded() throws Exception {
        Path tmp = Files.createTempDirectory("socktrace-tmp");
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
            Path planted;
            try (JarFile agent = new JarFile(AgentJvm.AGENT_JAR.toFile())) {
                ZipEntry nested = agent.getEntry("socktrace/socktrace-boot.jar");
                planted = tmp.resolve("socktrace-boot-" + Long.toHexString(nested.getCrc()) + "-" + Long.toHexString(nested.getSize()) + ".jar");
                try (var in = agent.getInputStream(nested)) {
                    Files.copy(in, planted);
                }
            }
            if (isRoot()) {
                chownTree(planted, NOBODY);
            }
            byte[] before = Files.readAllBytes(planted);
            Path classLog = tmp.resolve("classes.log");
            Path recording = Files.createTempFile(AgentJvm.WORK, "planted", ".jfr");
            Files.delete(recording);
            Result r = AgentJvm.exec(List.of(AgentJvm.JAVA, "-Djava.io.tmpdir=" + tmp, "-Xlog:class+load:file=" + classLog,
                    "-javaagent:" + AgentJvm.AGENT_JAR + "=recording=" + recording, "-cp", AgentJvm.TEST_CLASSES.toString(),
                    Hello.class.getName()), recording, Map.of("XDG_CACHE_HOME", Files.createTempDirectory(AgentJvm.WORK, "cache").toAbsolutePath().toString()));
            assertThat(r.exitCode).as(r.stderr).isZero();
            assertThat(r.stdout).isEqualTo(HELLO_OUTPUT);
            assertRefusedConnect(r);
            List<String> runtime = Files.readAllLines(classLog).stream()
                    .filter(l -> l.contains(" io.socktrace.runtime.") || l.contains(" io.socktrace.events.")).collect(Collectors.toList());
            assertThat(runtime).as("the boot part is defined").anyMatch(l -> l.contains("io.socktrace.runtime.AgentLog source: __JVM_DefineClass__"));
            // defined from memory (JFR redefines the event classes it registers; lambdas name their host): no file
            assertThat(runtime).allSatisfy(l -> assertThat(l).doesNotContain(tmp.toString()).doesNotContain(".jar").doesNotContain("file:"));
            assertThat(Files.readString(classLog)).doesNotContain(planted.getFileName().toString());
            try (Stream<Path> files = Files.list(tmp)) {
                assertThat(files.map(p -> p.getFileName().toString())).as("nothing written to the temp directory")
                        .containsExactlyInAnyOrder(planted.getFileName().toString(), "classes.log");
            }
            assertThat(Files.readAllBytes(planted)).isEqualTo(before);
        } finally {
            deleteTree(tmp);
        }
    }

    // ---- helpers

    private static Path filledCache;

    /** A woven-class cache of this agent build, filled by one run (made once per test class). */
    private static synchronized Path filledCache() throws Exception {
        if (filledCache == null) {
            Files.createDirectories(AgentJvm.WORK);
            Path cache = Files.createTempDirectory(AgentJvm.WORK, "cache-filled");
            helloWithCache(cache);
            assertThat(cacheEntries(cache.resolve("socktrace"))).isNotEmpty();
            filledCache = cache;
        }
        return filledCache;
    }

    private static void assertRefusedConnect(Result r) {
        List<RecordedEvent> connects = r.events("socktrace.Connect");
        assertThat(connects).hasSize(1);
        RecordedEvent connect = connects.get(0);
        assertThat(connect.getString("outcome")).isEqualTo("REFUSED");
        assertThat(connect.getString("address")).isEqualTo("127.0.0.1");
        List<RecordedEvent> listens = r.events("socktrace.Listen");
        assertThat(listens).hasSize(1);
        assertThat(connect.getInt("port")).isEqualTo(listens.get(0).getInt("localPort"));
    }

    private static Result helloWithCache(Path cacheHome) throws Exception {
        Path recording = Files.createTempFile(AgentJvm.WORK, "cache", ".jfr");
        Files.delete(recording);
        Result r = AgentJvm.exec(List.of(AgentJvm.JAVA, "-javaagent:" + AgentJvm.AGENT_JAR + "=recording=" + recording + ",log=debug",
                "-cp", AgentJvm.TEST_CLASSES.toString(), Hello.class.getName()), recording,
                Map.of("XDG_CACHE_HOME", cacheHome.toAbsolutePath().toString()));
        assertThat(r.exitCode).as(r.stderr).isZero();
        assertThat(r.stdout).isEqualTo(HELLO_OUTPUT);
        assertRefusedConnect(r);
        return r;
    }

    private static void assertNotUsed(Result r, Path dir, String reason) throws IOException {
        assertThat(r.stderr).contains("woven classes are not cached: " + dir.toAbsolutePath() + " " + reason)
                .doesNotContain("from the cache");
        assertThat(r.stderr).contains("instrumented sun.nio.ch.NioSocketImpl"); // woven in memory instead
    }

    private static List<Path> cacheEntries(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".class")).collect(Collectors.toList());
        }
    }

    private static Path plantedCopy(List<Path> entries, Path dir) throws IOException {
        Files.createDirectory(dir);
        for (Path entry : entries) {
            Files.copy(entry, dir.resolve(entry.getFileName()));
        }
        return dir;
    }

    private static void chownTree(Path path, int uid) throws IOException {
        try (Stream<Path> all = Files.walk(path)) {
            for (Path p : all.collect(Collectors.toList())) {
                Files.setAttribute(p, "unix:uid", uid, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(p, "unix:gid", uid, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            }
        }
    }

    /** The agent jar and Hello's class in {@code dir}, readable by any user. */
    private static Path worldReadableCopy(Path dir) throws IOException {
        Path classes = Files.createDirectories(dir.resolve("classes"));
        Files.copy(AgentJvm.AGENT_JAR, classes.resolve("socktrace-agent.jar"));
        String resource = Hello.class.getName().replace('.', '/') + ".class";
        Path helloClass = classes.resolve(resource);
        Files.createDirectories(helloClass.getParent());
        Files.copy(AgentJvm.TEST_CLASSES.resolve(resource), helloClass);
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.collect(Collectors.toList())) {
                if (!p.equals(dir)) {
                    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
                }
            }
        }
        return classes;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * {@link ForeignAgent} as an agent jar next to the foreign Byte Buddy it runs on (found through
     * its manifest's Class-Path).
     */
    private static Path foreignAgentJar() throws IOException {
        assertThat(FOREIGN_BYTE_BUDDY).exists();
        Path jar = FOREIGN_BYTE_BUDDY.resolveSibling("foreign-agent.jar");
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Premain-Class", ForeignAgent.class.getName());
        main.putValue("Can-Retransform-Classes", "true");
        main.put(Attributes.Name.CLASS_PATH, FOREIGN_BYTE_BUDDY.getFileName().toString());
        Path tmp = Files.createTempFile(jar.getParent(), "foreign-agent", ".tmp");
        String packageDir = ForeignAgent.class.getPackageName().replace('.', '/');
        try (OutputStream file = Files.newOutputStream(tmp); JarOutputStream out = new JarOutputStream(file, manifest);
             Stream<Path> classes = Files.list(AgentJvm.TEST_CLASSES.resolve(packageDir))) {
            for (Path c : classes.filter(p -> p.getFileName().toString().startsWith(ForeignAgent.class.getSimpleName()))
                    .sorted().collect(Collectors.toList())) {
                out.putNextEntry(new JarEntry(packageDir + "/" + c.getFileName()));
                out.write(Files.readAllBytes(c));
                out.closeEntry();
            }
        }
        Files.move(tmp, jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return jar;
    }
}
