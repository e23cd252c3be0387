package io.socktrace.correlator;

import static io.socktrace.correlator.TestCaptures.fixture;
import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.correlator.join.WirePeer;
import io.socktrace.testsupport.AgentOutput;
import io.socktrace.testsupport.LoopbackCapture;
import io.socktrace.testsupport.Stopping;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code correlate --jfr-out} on the command line; what is in the file is PacketRecordingTest's business. */
class CorrelateJfrOutTest {
    @TempDir
    Path temp;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void jfrOut_withoutJfr_isAUsageError() {
        Path target = temp.resolve("out.jfr");
        assertThat(run("correlate", "--pcap", fixture("demo/demo.pcap").toString(), "--jfr-out", target.toString()))
                .isEqualTo(Main.USAGE_ERROR);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--jfr-out needs --jfr");
        assertThat(target).doesNotExist();
    }

    @Test
    void jfrOut_writesTheRecordingAndSaysWhatIsInIt() throws Exception {
        Path target = temp.resolve("out.jfr");
        assertThat(run("correlate", "--pcap", fixture("demo/demo.pcap").toString(), "--jfr", fixture("demo/demo.jfr").toString(),
                "--jfr-out", target.toString())).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("jfr-out: " + target + ": 1 chunk of the recording, 414 packet events (414 of JVM connections) in 1 chunk\n");
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(RecordingFile.readAllEvents(target)).filteredOn(e -> e.getEventType().getName().equals("socktrace.Packet"))
                .hasSize(414);
    }

    @Test
    void jfrOut_beyondTheLimit_skipsAndWarns() {
        Path target = temp.resolve("out.jfr");
        assertThat(run("correlate", "--pcap", fixture("demo/demo.pcap").toString(), "--jfr", fixture("demo/demo.jfr").toString(),
                "--jfr-out", target.toString(), "--max-packet-events", "10")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("10 packet events").contains("404 packets skipped beyond --max-packet-events 10");
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("warning: " + target + ": 404 packets left out");
        assertThat(run("correlate", "--pcap", "x.pcap", "--jfr", "x.jfr", "--jfr-out", "y.jfr", "--max-packet-events", "-1"))
                .isEqualTo(Main.USAGE_ERROR);
    }

    @Test
    void jfrOut_intoAMissingDirectory_failsWithOneLine() {
        Path target = temp.resolve("no/such/dir/out.jfr");
        assertThat(run("correlate", "--pcap", fixture("demo/demo.pcap").toString(), "--jfr", fixture("demo/demo.jfr").toString(),
                "--jfr-out", target.toString())).isEqualTo(Main.INPUT_ERROR);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("socktrace-correlator: " + target + ": cannot write: ")
                .hasLineCount(1);
    }

    @Test
    void jfrOut_twoJvmsRecordings_oneReadableFilePerRecording() throws Exception {
        // two JVMs under the agent, one after the other, while tcpdump records loopback (root and tcpdump, else skipped)
        Path pcap = temp.resolve("two.pcap");
        List<Path> recordings = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        try (LoopbackCapture capture = LoopbackCapture.start(pcap)) {
            for (String name : List.of("first", "second")) {
                Path jfr = temp.resolve(name + ".jfr");
                try (Stopping peer = Stopping.of(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-javaagent:" + Path.of("../agent/target/socktrace-agent.jar").toAbsolutePath() + "=recording=" + jfr,
                        "-cp", Path.of("target/test-classes").toAbsolutePath().toString(), WirePeer.class.getName(), "slow")
                        .redirectErrorStream(true).start())) {
                    String printed = new String(peer.process().getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    assertThat(peer.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
                    assertThat(peer.process().exitValue()).as(printed).isZero();
                    AgentOutput.assertNoInternalErrors("WirePeer slow under the agent", printed);
                    outputs.add(printed);
                }
                recordings.add(jfr);
            }
            Thread.sleep(300);
            capture.stop();
        }

        Path target = temp.resolve("with-packets.jfr");
        assertThat(run("correlate", "--pcap", pcap.toString(), "--jfr", recordings.get(0).toString(), "--jfr",
                recordings.get(1).toString(), "--jfr-out", target.toString())).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(target).doesNotExist();
        for (int i = 0; i < 2; i++) {
            Path written = temp.resolve("with-packets-" + (i == 0 ? "first" : "second") + ".jfr");
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("jfr-out: " + written + ": 1 chunk of " + recordings.get(i));
            // the JDK's own tool reads it whole (two JVMs' chunks in one file failed: "Unknown string encoding")
            try (Stopping print = Stopping.of(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jfr").toString(), "print",
                    "--events", "socktrace.Connect,socktrace.Packet", written.toString()).redirectErrorStream(true).start())) {
                String printed = new String(print.process().getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(print.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(print.process().exitValue()).as(printed).isZero();
            }
            // this JVM's one connect, and the packets of its connection (10: handshake, request, answer, two FINs)
            List<RecordedEvent> events = RecordingFile.readAllEvents(written);
            List<RecordedEvent> connects = events.stream().filter(e -> e.getEventType().getName().equals("socktrace.Connect"))
                    .collect(Collectors.toList());
            assertThat(connects).hasSize(1);
            int clientPort = connects.get(0).getInt("localPort");
            assertThat(outputs.get(i)).contains(":" + clientPort + " -> ");
            List<RecordedEvent> packets = events.stream().filter(e -> e.getEventType().getName().equals("socktrace.Packet"))
                    .collect(Collectors.toList());
            assertThat(packets).filteredOn(p -> p.getLong("connectionId") == connects.get(0).getLong("connectionId")).hasSize(10);
            // the other JVM's connection is outside this recording's time span: its packets are not here
            assertThat(packets).allSatisfy(p -> assertThat(p.getStartTime())
                    .isBetween(connects.get(0).getStartTime().minusSeconds(2), connects.get(0).getStartTime().plusSeconds(3)));
        }
    }
}
