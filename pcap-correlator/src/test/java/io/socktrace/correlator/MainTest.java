package io.socktrace.correlator;

import static io.socktrace.correlator.TestCaptures.fixture;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    @TempDir
    Path temp;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void correlate_printsOneLinePerFlowAndASummary() {
        assertThat(run("correlate", "--pcap", fixture("sf-us.pcap").toString())).isZero();

        assertThat(out()).containsPattern("Z 127\\.0\\.0\\.1:\\d+ -> 127\\.0\\.0\\.1:40001 SF client 5 pkts 1000 B, server 5 pkts 2500 B, rtt 0\\.\\d{3} ms, syn 1, fin client,server, rst -\n")
                .contains("summary: packets 10, tcp 10, non-tcp skipped 0, fragments skipped 0, undecodable 0, flows 1 (SF 1)");
        assertThat(err()).isEmpty();
    }

    @Test
    void correlate_ipv6AndResetAndZeroWindow() {
        assertThat(run("correlate", "--pcap", fixture("sf6.pcapng").toString())).isZero();
        assertThat(run("correlate", "--pcap", fixture("reset.pcap").toString())).isZero();
        assertThat(run("correlate", "--pcap", fixture("zerowin.pcap").toString())).isZero();

        assertThat(out()).containsPattern("\\[::1\\]:\\d+ -> \\[::1\\]:40006 SF")
                .containsPattern(":40004 RSTR .*, rst server")
                .containsPattern(":40005 SF .*zero window from server \\d+\\.\\d{3} s");
    }

    @Test
    void help_exitsZero() {
        assertThat(run("--help")).isZero();
        assertThat(run("correlate", "--help")).isZero();
        assertThat(out()).contains("correlate --pcap FILE");
    }

    @Test
    void badArguments_oneLineAndExitTwo() {
        for (String[] args : new String[][] {{}, {"frobnicate"}, {"correlate"}, {"correlate", "--pcap"},
                {"correlate", "--pcap", "x", "--bogus"}, {"correlate", "--pcap", "x", "--idle-timeout", "soon"},
                {"correlate", "--pcap", "x", "--pcapng"}}) {
            err.reset();
            assertThat(run(args)).as(Arrays.toString(args)).isEqualTo(2);
            assertThat(err().lines()).as(Arrays.toString(args)).hasSize(1);
        }
    }

    @Test
    void pcapng_withoutJfr_isAUsageError_andNeverTheInput() {
        Path out = temp.resolve("out.pcapng");
        assertThat(run("correlate", "--pcap", fixture("sf-us.pcap").toString(), "--pcapng", out.toString())).isEqualTo(2);
        assertThat(err()).isEqualTo("socktrace-correlator: --pcapng needs --jfr (the comments name the JVM's connections)\n");
        assertThat(out).doesNotExist();

        err.reset();
        String demo = fixture("demo/demo.pcap").toString();
        assertThat(run("correlate", "--pcap", demo, "--jfr", fixture("demo/demo.jfr").toString(), "--pcapng", demo)).isEqualTo(2);
        assertThat(err()).isEqualTo("socktrace-correlator: --pcapng " + demo + " is the input capture; choose another file\n");
    }

    @Test
    void pcapng_withJfr_writesTheAnnotatedCopy() throws Exception {
        Path out = temp.resolve("demo.pcapng");

        assertThat(run("correlate", "--pcap", fixture("demo/demo.pcap").toString(), "--jfr", fixture("demo/demo.jfr").toString(),
                "--pcapng", out.toString())).isZero();

        assertThat(err()).isEmpty();
        assertThat(out()).contains("REFUSED").contains("summary: packets 414");
        String written = new String(Files.readAllBytes(out), StandardCharsets.UTF_8);
        assertThat(written).startsWith("\n\r\r\n").contains("socktrace connection ").contains("; REFUSED");
        try (Stream<Path> files = Files.list(temp)) {
            assertThat(files).containsExactly(out); // no temporary file left behind
        }

        err.reset();
        Path nowhere = temp.resolve("missing/demo.pcapng");
        assertThat(run("correlate", "--pcap", fixture("demo/demo.pcap").toString(), "--jfr", fixture("demo/demo.jfr").toString(),
                "--pcapng", nowhere.toString())).isEqualTo(1);
        assertThat(err()).isEqualTo("socktrace-correlator: " + nowhere + ": cannot write: no such directory\n");
    }

    @Test
    void missingFile_oneLineAndExitOne() {
        assertThat(run("correlate", "--pcap", temp.resolve("nope.pcap").toString())).isEqualTo(1);
        assertThat(err()).isEqualTo("socktrace-correlator: " + temp.resolve("nope.pcap") + ": no such file\n");
    }

    @Test
    void corruptCapture_oneLineNamingFileAndOffsetAndExitOne() throws Exception {
        byte[] good = Files.readAllBytes(fixture("sf-us.pcap"));
        byte[] absurd = good.clone();
        ByteBuffer.wrap(absurd).order(ByteOrder.LITTLE_ENDIAN).putInt(24 + 8, 0x7FFFFFF0);
        Path file = Files.write(temp.resolve("capture.pcap"), absurd);

        assertThat(run("correlate", "--pcap", file.toString())).isEqualTo(1);

        assertThat(err()).isEqualTo("socktrace-correlator: " + file + ": absurd captured length in packet record at offset 24"
                + " (2147483632 bytes, limit 268435456)\n");
    }

    @Test
    void truncatedCapture_warnsAndKeepsTheFlows_strictFails() throws Exception {
        byte[] good = Files.readAllBytes(fixture("sf-us.pcap"));
        Path file = Files.write(temp.resolve("cut.pcap"), Arrays.copyOf(good, good.length - 5));

        assertThat(run("correlate", "--pcap", file.toString())).isZero();
        assertThat(out()).contains("summary: packets 9");
        assertThat(err()).startsWith("socktrace-correlator: warning: " + file + ": truncated packet record at offset ")
                .endsWith(" left); skipped\n");

        err.reset();
        assertThat(run("correlate", "--strict", "--pcap", file.toString())).isEqualTo(1);
        assertThat(err()).matches("socktrace-correlator: .*cut\\.pcap: truncated packet record at offset \\d+ \\(needs \\d+ bytes, \\d+ left\\)\n");
    }

    @Test
    void html_withoutJfr_isAUsageError() {
        Path page = temp.resolve("timeline.html");
        assertThat(run("correlate", "--pcap", fixture("sf-us.pcap").toString(), "--html", page.toString())).isEqualTo(2);
        assertThat(err()).startsWith("socktrace-correlator: --html needs --jfr").hasLineCount(1);
        assertThat(page).doesNotExist();
        err.reset();
        assertThat(run("correlate", "--pcap", "x", "--html")).isEqualTo(2);
        assertThat(err()).startsWith("socktrace-correlator: --html needs a file name");
    }

    @Test
    void html_withJfr_writesOneLanePerJoinedConnection() throws Exception {
        Path page = temp.resolve("timeline.html");
        assertThat(run("correlate", "--pcap", fixture("demo/demo.pcap").toString(), "--jfr", fixture("demo/demo.jfr").toString(),
                "--html", page.toString())).isZero();
        assertThat(err()).isEmpty();
        assertThat(out()).contains("connections 33,");
        String html = Files.readString(page);
        assertThat(html).startsWith("<!DOCTYPE html>").endsWith("</html>\n").contains("demo.jfr");
        assertThat(html.split("<section class=\"lane", -1)).hasSize(34);
    }

    @Test
    void html_unwritable_oneLineAndExitOne() {
        Path page = temp.resolve("no-such-directory").resolve("timeline.html");
        assertThat(run("correlate", "--pcap", fixture("demo/demo.pcap").toString(), "--jfr", fixture("demo/demo.jfr").toString(),
                "--html", page.toString())).isEqualTo(1);
        assertThat(err()).startsWith("socktrace-correlator: " + page + ": cannot write").hasLineCount(1);
    }

    @Test
    void correlate_badRecording_isNamed_whateverTheCapture() throws Exception {
        // the recording is read on its own thread while the capture is parsed; its error still comes first and alone
        Path bad = Files.write(temp.resolve("bad.jfr"), "not a recording at all".getBytes(StandardCharsets.US_ASCII));
        Path notCapture = Files.write(temp.resolve("bad.pcap"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});

        assertThat(run("correlate", "--pcap", fixture("demo/demo.pcap").toString(), "--jfr", bad.toString())).isEqualTo(1);
        assertThat(err()).startsWith("socktrace-correlator: " + bad + ": not a readable JFR recording").hasLineCount(1);
        assertThat(out()).isEmpty();

        err.reset();
        assertThat(run("correlate", "--pcap", notCapture.toString(), "--jfr", bad.toString())).isEqualTo(1);
        assertThat(err()).startsWith("socktrace-correlator: " + bad + ": not a readable JFR recording").hasLineCount(1);

        err.reset();
        assertThat(run("correlate", "--pcap", notCapture.toString(), "--jfr", fixture("demo/demo.jfr").toString())).isEqualTo(1);
        assertThat(err()).startsWith("socktrace-correlator: " + notCapture + ": ").hasLineCount(1);
    }

    @Test
    void correlate_packetsCutShortBySnapLength_noPacketsSaysWhy() throws Exception {
        // an IPv6 SYN captured with 48 bytes: the IPv6 header and 8 bytes of TCP, no flags
        byte[] loopback6 = new byte[16];
        loopback6[15] = 1;
        byte[] syn = TestCaptures.ipv6Packet(loopback6, loopback6, 6, new byte[0],
                TestCaptures.tcp(40000, 8080, 1000, 0, TestCaptures.SYN, 65535, new byte[0]), 0);
        Path cut = Files.write(temp.resolve("cut.pcap"), TestCaptures.pcap(101, true, false, 48, 1_700_000_000_000_000_000L, syn));

        assertThat(run("correlate", "--pcap", cut.toString(), "--jfr", fixture("demo/demo.jfr").toString())).isZero();

        assertThat(out()).contains("undecodable 1").contains("NO_PACKETS: no packets of this connection in the capture (another "
                + "interface, a filter, or the capture did not run then); 1 packet of the capture had no readable TCP header, cut "
                + "short by a snap length too small for their headers (capture with -s 128 or more)?");
    }
}
