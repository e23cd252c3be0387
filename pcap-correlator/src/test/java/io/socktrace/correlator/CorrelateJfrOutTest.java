package io.socktrace.correlator;

import static io.socktrace.correlator.TestCaptures.fixture;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
}
