package io.socktrace.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.agent.it.AgentJvm.Result;
import io.socktrace.agent.it.programs.Hello;
import io.socktrace.agent.it.programs.LateRecording;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;

/**
 * What the first socket costs: woven classes are kept in the user's cache directory and reused by
 * the next JVM without loading Byte Buddy; a damaged cache file is woven again; without a
 * recording, the first socket makes no event object (which would set JFR up on the application's
 * thread), and a recording started later still gets every event.
 */
class StartupIT {

    private static final Pattern REFUSED_PORT = Pattern.compile("target refused 127\\.0\\.0\\.1:(\\d+)");

    /** Runs Hello under the agent with its recording, with {@code cacheHome} as XDG_CACHE_HOME and a class-load log. */
    private static Run hello(Path cacheHome, String name) throws Exception {
        Path classLog = Files.createTempFile(AgentJvm.WORK, name, ".classes");
        Path recording = Files.createTempFile(AgentJvm.WORK, name, ".jfr");
        Files.delete(recording);
        List<String> cmd = List.of(AgentJvm.JAVA, "-javaagent:" + AgentJvm.AGENT_JAR + "=recording=" + recording,
                "-Xlog:class+load:file=" + classLog, "-cp", AgentJvm.TEST_CLASSES.toString(), Hello.class.getName());
        Result r = AgentJvm.exec(cmd, recording, Map.of("XDG_CACHE_HOME", cacheHome.toString()));
        assertThat(r.stdout).contains("connect: Connection refused");
        return new Run(r, Files.readString(classLog));
    }

    private static final class Run {
        final Result result;
        final String classes;

        Run(Result result, String classes) {
            this.result = result;
            this.classes = classes;
        }

        boolean loadedByteBuddy() {
            return classes.contains("io.socktrace.shaded.net.bytebuddy.");
        }

        /** The refused connect, checked: outcome, the port Hello's probe listener had, and its stack. */
        void assertRefusedConnect() {
            List<RecordedEvent> connects = result.events("socktrace.Connect");
            assertThat(connects).hasSize(1);
            RecordedEvent connect = connects.get(0);
            assertThat(connect.getString("outcome")).isEqualTo("REFUSED");
            assertThat(connect.getString("address")).isEqualTo("127.0.0.1");
            assertThat(connect.getInt("port")).isEqualTo(listenPort());
            assertThat(connect.getStackTrace().getFrames().get(0).getMethod().getType().getName()).isEqualTo("sun.nio.ch.NioSocketImpl");
        }

        private int listenPort() {
            List<RecordedEvent> listens = result.events("socktrace.Listen");
            assertThat(listens).hasSize(1);
            return listens.get(0).getInt("localPort");
        }
    }

    private static List<Path> cached(Path cacheHome, String prefix) throws Exception {
        try (Stream<Path> files = Files.list(cacheHome.resolve("socktrace"))) {
            List<Path> out = new ArrayList<>();
            files.filter(f -> f.getFileName().toString().startsWith(prefix) && f.toString().endsWith(".class")).forEach(out::add);
            return out;
        }
    }

    @Test
    void wovenClasses_areKeptForTheNextJvm_whichNeverLoadsByteBuddy() throws Exception {
        Files.createDirectories(AgentJvm.WORK);
        Path cacheHome = Files.createTempDirectory(AgentJvm.WORK, "cache");

        Run first = hello(cacheHome, "first");
        assertThat(first.loadedByteBuddy()).as("the first run weaves").isTrue();
        first.assertRefusedConnect();
        List<Path> nio = cached(cacheHome, "sun.nio.ch.NioSocketImpl-");
        assertThat(nio).hasSize(1);
        assertThat(cached(cacheHome, "java.net.Socket-")).hasSize(1);
        assertThat(Files.getPosixFilePermissions(cacheHome.resolve("socktrace"))).as("only the user's")
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);

        Run second = hello(cacheHome, "second");
        assertThat(second.loadedByteBuddy()).as("the second run takes the woven classes from the cache").isFalse();
        second.assertRefusedConnect();

        // a damaged entry is never used: woven again, rewritten, and the events are the same
        Path entry = nio.get(0);
        byte[] good = Files.readAllBytes(entry);
        byte[] bad = good.clone();
        bad[bad.length / 2] ^= 0x5a;
        Files.write(entry, bad);
        Run third = hello(cacheHome, "third");
        assertThat(third.loadedByteBuddy()).as("a damaged entry is woven again").isTrue();
        third.assertRefusedConnect();
        assertThat(Files.readAllBytes(entry)).isEqualTo(good);
    }

    @Test
    void unusableCacheDirectory_stillTraces() throws Exception {
        Files.createDirectories(AgentJvm.WORK);
        Path notADirectory = Files.createTempFile(AgentJvm.WORK, "cache", ".file"); // XDG_CACHE_HOME/socktrace cannot be made
        Run run = hello(notADirectory, "nocache");
        assertThat(run.result.stderr).doesNotContain("Exception");
        run.assertRefusedConnect();
    }

    @Test
    void withoutRecording_theFirstSocketMakesNoEvent_andALaterRecordingGetsEverything() throws Exception {
        Files.createDirectories(AgentJvm.WORK);
        Path classLog = Files.createTempFile(AgentJvm.WORK, "late", ".classes");
        Path recording = Files.createTempFile(AgentJvm.WORK, "late", ".jfr");
        Files.delete(recording);
        Result r = AgentJvm.exec(List.of(AgentJvm.JAVA, "-javaagent:" + AgentJvm.AGENT_JAR + "=receiveThreshold=0",
                "-Xlog:class+load:file=" + classLog, "-cp", AgentJvm.TEST_CLASSES.toString(), LateRecording.class.getName(),
                recording.toString()), null);
        assertThat(r.stdout).contains("jfr initialised before the recording: false");
        String classes = Files.readString(classLog);
        // the exchange before the recording made no event object: JFR stayed uninitialised (the event
        // classes are defined in premain with the rest of the boot part, but defining is not initialising)
        String beforeRecording = classes.substring(0, classes.indexOf(LateRecording.Marker.class.getName()));
        assertThat(beforeRecording).contains("io.socktrace.events.ConnectEvent").doesNotContain("jdk.jfr.internal.MetadataRepository");

        List<RecordedEvent> events = RecordingFile.readAllEvents(recording);
        Matcher m = REFUSED_PORT.matcher(r.stdout);
        assertThat(m.find()).isTrue();
        int refusedPort = Integer.parseInt(m.group(1));
        List<RecordedEvent> connects = events.stream().filter(e -> e.getEventType().getName().equals("socktrace.Connect")).toList();
        assertThat(connects).extracting(e -> e.getString("outcome")).containsExactly("REFUSED", "CONNECTED");
        assertThat(connects.get(0).getInt("port")).isEqualTo(refusedPort);
        List<RecordedEvent> reads = events.stream().filter(e -> e.getEventType().getName().equals("socktrace.Receive")).toList();
        assertThat(reads).extracting(e -> e.getLong("bytesRead")).containsExactly(7L);
    }
}
