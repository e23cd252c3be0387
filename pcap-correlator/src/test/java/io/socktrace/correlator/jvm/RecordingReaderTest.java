package io.socktrace.correlator.jvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.socktrace.testsupport.AgentOutput;
import io.socktrace.testsupport.Stopping;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads a real recording: the demo's reset scenario run under the real agent jar. */
class RecordingReaderTest {

    private static final Path AGENT = Path.of("../agent/target/socktrace-agent.jar");
    private static final Path DEMO = Path.of("../demo-app/target/socktrace-demo.jar");

    @Test
    void read_resetScenario_givesBothEndsWithTheirCalls(@TempDir Path dir) throws Exception {
        Path recording = dir.resolve("reset.jfr");
        Path out = dir.resolve("out.txt");
        String stdout;
        try (Stopping demo = Stopping.of(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-javaagent:" + AGENT.toAbsolutePath() + "=recording=" + recording, "-jar", DEMO.toAbsolutePath().toString(), "reset")
                .redirectErrorStream(true).redirectOutput(out.toFile()).start())) {
            assertThat(demo.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
            stdout = Files.readString(out);
            assertThat(demo.process().exitValue()).as(stdout).isZero();
            AgentOutput.assertNoInternalErrors("the reset demo under the agent", stdout);
        }
        Matcher client = Pattern.compile("socket client (\\S+):(\\d+) -> (\\S+):(\\d+)").matcher(stdout);
        assertThat(client.find()).isTrue();

        List<JvmConnection> connections = RecordingReader.read(recording);
        JvmConnection c = connections.stream().filter(x -> x.side() == JvmConnection.Side.CLIENT).findFirst().orElseThrow();
        assertThat(c.localPort()).isEqualTo(Integer.parseInt(client.group(2)));
        assertThat(c.remotePort()).isEqualTo(Integer.parseInt(client.group(4)));
        assertThat(c.remoteAddress().getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(c.connect().outcome).isEqualTo("CONNECTED");
        assertThat(c.closeInitiator()).isEqualTo("AFTER_ERROR");
        assertThat(c.bytesWritten()).isEqualTo(5);
        assertThat(c.calls()).extracting(call -> call.event).contains("Connect", "Receive", "Reset", "Close");
        assertThat(c.thread()).isEqualTo("reset-client");

        JvmConnection s = connections.stream().filter(x -> x.side() == JvmConnection.Side.SERVER).findFirst().orElseThrow();
        assertThat(s.localPort()).isEqualTo(c.remotePort());
        assertThat(s.remotePort()).isEqualTo(c.localPort());
        assertThat(s.closeInitiator()).isEqualTo("ABORT");
        assertThat(s.communityId()).isEqualTo(c.communityId()).startsWith("1:");
        assertThat(connections).anyMatch(x -> x.side() == JvmConnection.Side.LISTENER && x.localPort() == c.remotePort());
        // ordered by first event: the listener before the connections it accepted
        assertThat(connections.get(0).side()).isEqualTo(JvmConnection.Side.LISTENER);
    }

    @Test
    void read_notARecording_namesTheFile(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.jfr");
        Files.writeString(bad, "not a recording at all");
        assertThatThrownBy(() -> RecordingReader.read(bad))
                .isInstanceOf(RecordingReader.RecordingException.class)
                .hasMessageStartingWith(bad + ": not a readable JFR recording");
        assertThatThrownBy(() -> RecordingReader.read(dir.resolve("missing.jfr"))).hasMessageEndingWith("missing.jfr: no such recording");
    }

    @Test
    void read_cutOffRecording_namesTheChunkOffset(@TempDir Path dir) throws Exception {
        byte[] whole = Files.readAllBytes(io.socktrace.correlator.TestCaptures.fixture("demo/demo.jfr"));
        Path cut = Files.write(dir.resolve("cut.jfr"), java.util.Arrays.copyOf(whole, whole.length / 2));
        assertThatThrownBy(() -> RecordingReader.read(cut)).isInstanceOf(RecordingReader.RecordingException.class)
                .hasMessage(cut + ": not a readable JFR recording (the chunk at byte 0 says " + whole.length
                        + " bytes but the file has " + whole.length / 2 + " from there: cut off, or still being written)");
        // the whole fixture reads: 33 sockets (connections, listeners) with their calls
        assertThat(RecordingReader.read(io.socktrace.correlator.TestCaptures.fixture("demo/demo.jfr")))
                .filteredOn(c -> c.side() != JvmConnection.Side.LISTENER).hasSize(33);
    }
}
