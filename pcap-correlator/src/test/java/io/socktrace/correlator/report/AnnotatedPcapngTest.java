package io.socktrace.correlator.report;

import static io.socktrace.correlator.TestCaptures.ACK;
import static io.socktrace.correlator.TestCaptures.SYN;
import static io.socktrace.correlator.TestCaptures.fixture;
import static io.socktrace.correlator.TestCaptures.ipv4;
import static io.socktrace.correlator.TestCaptures.ipv4Packet;
import static io.socktrace.correlator.TestCaptures.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.correlator.TestCaptures;
import io.socktrace.correlator.capture.CaptureReader;
import io.socktrace.correlator.capture.PacketCursor;
import io.socktrace.correlator.capture.PacketKind;
import io.socktrace.correlator.join.Correlation;
import io.socktrace.correlator.join.PacketIndex;
import io.socktrace.correlator.jvm.RecordingReader;
import io.socktrace.testsupport.Requirements;
import io.socktrace.testsupport.Stopping;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The annotated copy of the real demo capture (the demo's scenarios under the agent, with tcpdump
 * on loopback) read back by our reader and by tshark, and of a hand-built two-interface pcapng.
 */
class AnnotatedPcapngTest {
    private static final Path DEMO_PCAP = fixture("demo/demo.pcap");
    private static final Path DEMO_JFR = fixture("demo/demo.jfr");

    @TempDir
    static Path dir;
    private static Correlation correlation;
    private static Path annotated;
    private static AnnotatedPcapng.Summary summary;

    @BeforeAll
    static void annotateTheDemo() throws Exception {
        correlation = correlate(DEMO_PCAP, RecordingReader.read(DEMO_JFR));
        annotated = dir.resolve("demo.pcapng");
        summary = AnnotatedPcapng.write(DEMO_PCAP, false, PacketIndex.of(correlation), annotated);
    }

    private static Correlation correlate(Path capture, List<io.socktrace.correlator.jvm.JvmConnection> jvm) throws Exception {
        return Correlation.of(jvm, TestCaptures.flows(capture));
    }

    /** One packet as read: interface, link type, time, lengths, bytes. */
    private static List<String> packets(Path capture) throws Exception {
        List<String> result = new ArrayList<>();
        try (CaptureReader reader = CaptureReader.open(capture, true)) {
            PacketCursor p = new PacketCursor();
            while (reader.next(p)) {
                byte[] data = new byte[p.capturedLength()];
                p.buffer().get(p.dataOffset(), data);
                result.add(p.interfaceId() + " " + p.linkType() + " " + p.timestampNanos() + " " + p.capturedLength() + "/"
                        + p.originalLength() + " " + Arrays.toString(data));
            }
        }
        return result;
    }

    /** tshark's fields of every frame (tab-separated, several comments joined by '|'), after checking it read the file cleanly. */
    private static List<String> tshark(Path capture, String filter, String... fields) throws Exception {
        List<String> command = new ArrayList<>(List.of(tshark(), "-r", capture.toString(), "-T", "fields", "-E", "aggregator=|"));
        if (filter != null) {
            command.addAll(List.of("-Y", filter));
        }
        for (String field : fields) {
            command.addAll(List.of("-e", field));
        }
        Path out = Files.createTempFile(dir, "tshark", ".txt");
        Path err = Files.createTempFile(dir, "tshark", ".err");
        String errors;
        try (Stopping tshark = Stopping.of(new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start())) {
            assertThat(tshark.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
            errors = Files.readString(err).replaceAll("Running as user \"root\" and group \"root\"\\. This could be dangerous\\.\\s*", "");
            assertThat(tshark.process().exitValue()).as(errors).isZero();
        }
        assertThat(errors).isEmpty();
        return Files.readAllLines(out, StandardCharsets.UTF_8);
    }

    /** Wireshark 4.0 calls the packet comment frame.comment; older ones called it pkt_comment. */
    private static String commentField() throws Exception {
        try (Stopping fields = Stopping.of(new ProcessBuilder(tshark(), "-G", "fields").redirectErrorStream(true).start())) {
            String all = new String(fields.process().getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(fields.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
            return all.contains("\tframe.comment\t") ? "frame.comment" : "pkt_comment";
        }
    }

    /** tshark, the reference reader these tests compare with (skipped without it, a failure in strict mode). */
    private static String tshark() {
        return Requirements.command("tshark", "tshark").toString();
    }

    private static Correlation.Joined refused() {
        return correlation.connections.stream()
                .filter(j -> j.connection.connect() != null && "REFUSED".equals(j.connection.connect().outcome) && j.flow != null)
                .findFirst().orElseThrow();
    }

    @Test
    void write_keepsEveryPacketsTimeLengthsAndBytes() throws Exception {
        List<String> input = packets(DEMO_PCAP);
        List<String> output = packets(annotated);

        assertThat(input).hasSize(414);
        assertThat(output).containsExactlyElementsOf(input);
        assertThat(summary.packets()).isEqualTo(414);
        assertThat(summary.interfaces()).isEqualTo(1);
        // a microsecond capture: the copy's nanosecond stamps are the same instants
        assertThat(output.get(0)).startsWith("0 1 ").contains(" 74/74 ");
    }

    @Test
    void write_commentsExactlyThePacketsOfJoinedConnections() throws Exception {
        PacketIndex index = PacketIndex.of(correlation);
        List<Boolean> expected = new ArrayList<>();
        try (CaptureReader reader = CaptureReader.open(DEMO_PCAP, true)) {
            PacketCursor p = new PacketCursor();
            while (reader.next(p)) {
                expected.add(p.kind() == PacketKind.TCP && !index.find(p).isEmpty());
            }
        }
        List<String> frames = tshark(annotated, null, "frame.number", commentField());

        assertThat(frames).hasSize(414);
        List<Boolean> commented = frames.stream().map(line -> line.split("\t", -1)[1].startsWith("socktrace connection "))
                .collect(Collectors.toList());
        assertThat(commented).containsExactlyElementsOf(expected);
        assertThat(commented.stream().filter(c -> c).count()).isEqualTo(summary.annotatedPackets());
    }

    @Test
    void write_flowsWithoutAJvmConnectionAreCopiedWithoutComments() throws Exception {
        // every flow of the demo is the JVM's: join only the refused connect, the rest are other flows
        List<io.socktrace.correlator.jvm.JvmConnection> refusedOnly = RecordingReader.read(DEMO_JFR).stream()
                .filter(c -> c.connect() != null && "REFUSED".equals(c.connect().outcome)).collect(Collectors.toList());
        Correlation one = correlate(DEMO_PCAP, refusedOnly);
        Path output = dir.resolve("refused-only.pcapng");

        AnnotatedPcapng.Summary written = AnnotatedPcapng.write(DEMO_PCAP, false, PacketIndex.of(one), output);

        assertThat(one.unmatchedFlows).isNotEmpty();
        assertThat(written.packets()).isEqualTo(414);
        assertThat(written.annotatedPackets()).isEqualTo(2);
        assertThat(packets(output)).containsExactlyElementsOf(packets(DEMO_PCAP));
        List<String> frames = tshark(output, null, "frame.number", commentField());
        assertThat(frames).hasSize(414);
        assertThat(frames.subList(0, 2)).allSatisfy(line -> assertThat(line).contains("REFUSED"));
        assertThat(frames.subList(2, 414)).allSatisfy(line -> assertThat(line).matches("\\d+\t"));
    }

    @Test
    void write_theRefusedConnectionsRstNamesItsConnectionAndRefused() throws Exception {
        Correlation.Joined refused = refused();
        int client = refused.flow.clientPort();
        int server = refused.flow.serverPort();

        List<String> rst = tshark(annotated, "tcp.flags.reset == 1 && tcp.srcport == " + server + " && tcp.dstport == " + client,
                "frame.number", commentField());
        List<String> syn = tshark(annotated, "tcp.flags.syn == 1 && tcp.srcport == " + client, "frame.number", commentField());

        String name = "socktrace connection " + refused.connection.connectionId()
                + " (client 127.0.0.1:" + client + " -> 127.0.0.1:" + server + ", thread " + refused.connection.thread() + "): ";
        assertThat(rst).containsExactly("2\t" + name + "during Connect REFUSED; REFUSED");
        assertThat(syn).containsExactly("1\t" + name + "during Connect REFUSED; REFUSED");
    }

    @Test
    void write_bothTracedEndsCommentTheirPackets_findingCodesOnTheRstAndFins() throws Exception {
        // broken-pipe: client and server are both in the traced JVM, so each packet gets two comments
        Correlation.Joined brokenPipe = correlation.connections.stream()
                .filter(j -> j.findings.stream().anyMatch(f -> f.code.equals("WRITE_AFTER_PEER_CLOSE"))).findFirst().orElseThrow();
        Correlation.Joined server = correlation.connections.stream()
                .filter(j -> j.flow == brokenPipe.flow && j != brokenPipe).findFirst().orElseThrow();
        String ports = "tcp.port == " + brokenPipe.flow.clientPort() + " && tcp.port == " + brokenPipe.flow.serverPort();

        List<String> rst = tshark(annotated, ports + " && tcp.flags.reset == 1", commentField());
        List<String> fins = tshark(annotated, ports + " && tcp.flags.fin == 1", commentField());
        List<String> data = tshark(annotated, ports + " && tcp.len > 0 && tcp.flags.push == 1", commentField());

        String client = "socktrace connection " + brokenPipe.connection.connectionId() + " (client ";
        assertThat(rst).hasSize(1);
        assertThat(rst.get(0).split("\\|")).hasSize(2)
                .anySatisfy(c -> assertThat(c).startsWith(client).endsWith("; WRITE_AFTER_PEER_CLOSE"))
                .anySatisfy(c -> assertThat(c).startsWith("socktrace connection " + server.connection.connectionId() + " (server "));
        assertThat(fins).isNotEmpty().allSatisfy(line -> assertThat(line).contains(client).contains("WRITE_AFTER_PEER_CLOSE"));
        // data segments are neither the first packet nor SYN/FIN/RST: the short form
        assertThat(data).isNotEmpty().allSatisfy(line -> assertThat(line.split("\\|"))
                .anySatisfy(c -> assertThat(c).matches("socktrace connection " + brokenPipe.connection.connectionId() + ": (during|after) \\w+.*")
                        .doesNotContain("WRITE_AFTER_PEER_CLOSE")));
    }

    @Test
    void write_zeroWindowEpisodeStartCarriesZeroWindow() throws Exception {
        Correlation.Joined slow = correlation.connections.stream()
                .filter(j -> j.findings.stream().anyMatch(f -> f.code.equals("ZERO_WINDOW"))).findFirst().orElseThrow();
        String ports = "tcp.port == " + slow.flow.clientPort() + " && tcp.port == " + slow.flow.serverPort();

        List<String> zero = tshark(annotated, ports + " && tcp.window_size_value == 0 && tcp.flags.reset == 0", commentField());

        String full = "socktrace connection " + slow.connection.connectionId() + " (";
        assertThat(zero).isNotEmpty();
        assertThat(zero.get(0)).contains(full).contains("ZERO_WINDOW");
    }

    @Test
    void write_sectionHeaderNamesSocktraceAndTheFindings() throws Exception {
        ByteBuffer file = ByteBuffer.wrap(Files.readAllBytes(annotated)).order(ByteOrder.LITTLE_ENDIAN);
        int length = file.getInt(4);
        String header = new String(file.array(), 0, length, StandardCharsets.ISO_8859_1);

        assertThat(file.getInt(0)).isEqualTo(0x0A0D0D0A);
        assertThat(file.getInt(8)).isEqualTo(0x1A2B3C4D);
        assertThat(header).contains("socktrace: demo.pcap with a comment on each packet")
                .contains("socktrace-correlator")
                .contains("socktrace connection " + refused().connection.connectionId() + " (client ")
                .contains("REFUSED: refused: RST/ACK");
        // every interface block declares nanoseconds: if_tsresol (9), length 1, value 9
        int idb = length;
        assertThat(file.getInt(idb)).isEqualTo(1);
        assertThat(file.getShort(idb + 8)).isEqualTo((short) 1); // Ethernet, as the input
        assertThat(file.getInt(idb + 12)).isEqualTo(128); // the input's snap length
        assertThat(file.getInt(idb + 16)).isEqualTo(0x0001_0009);
        assertThat(file.get(idb + 20)).isEqualTo((byte) 9);
    }

    @Test
    void write_pcapngWithTwoLinkTypesAndTwoSections_keepsInterfaces() throws Exception {
        int client = ipv4("10.0.0.1");
        int server = ipv4("10.0.0.2");
        byte[] syn = ipv4Packet(client, server, 6, 0, new byte[0], tcp(40000, 80, 1, 0, SYN, 64240, new byte[0]), 0);
        byte[] synAck = ipv4Packet(server, client, 6, 0, new byte[0], tcp(80, 40000, 9, 2, SYN | ACK, 65160, new byte[0]), 0);
        byte[] udp = ipv4Packet(client, server, 17, 0, new byte[0], new byte[8], 4);
        Path input = new TestCaptures.Pcapng()
                .section(ByteOrder.LITTLE_ENDIAN)
                .iface(1, 262144, -1) // Ethernet, microseconds
                .iface(101, 65535, 9) // raw IP, nanoseconds
                .packet(1, 1_700_000_000_123_456_789L, syn) // the second interface's packet comes first
                .packet(0, 1_700_000_000_123_457L, TestCaptures.ethernet(0x0800, false, synAck))
                .packet(1, 1_700_000_000_223_456_789L, udp)
                .section(ByteOrder.BIG_ENDIAN)
                .iface(228, 0, 9) // raw IPv4, in a section of its own: interface 0 there, 2 in the copy
                .packet(0, 1_700_000_001_000_000_001L, syn)
                .write(dir.resolve("two-links.pcapng"));
        Path output = dir.resolve("two-links-annotated.pcapng");

        AnnotatedPcapng.Summary written = AnnotatedPcapng.write(input, true, PacketIndex.of(correlate(input, List.of())), output);

        assertThat(written.packets()).isEqualTo(4);
        assertThat(written.annotatedPackets()).isZero();
        assertThat(written.interfaces()).isEqualTo(3);
        List<String> in = packets(input);
        List<String> out = packets(output);
        assertThat(out).hasSize(4);
        assertThat(out.subList(0, 3)).containsExactlyElementsOf(in.subList(0, 3));
        assertThat(out.get(0)).startsWith("1 101 1700000000123456789 ");
        assertThat(out.get(1)).startsWith("0 1 1700000000123457000 ");
        assertThat(out.get(3)).isEqualTo(in.get(3).replaceFirst("^0 ", "2 "));
        assertThat(out.get(3)).startsWith("2 228 1700000001000000001 ");
        assertThat(tshark(output, null, "frame.number", "frame.interface_id", "frame.time_epoch", commentField()))
                .containsExactly("1\t1\t1700000000.123456789\t", "2\t0\t1700000000.123457000\t",
                        "3\t1\t1700000000.223456789\t", "4\t2\t1700000001.000000001\t");
    }

    @Test
    void utf8_cutsAtACharacterBoundary() {
        assertThat(AnnotatedPcapng.utf8("aµb", 10)).isEqualTo("aµb".getBytes(StandardCharsets.UTF_8));
        assertThat(AnnotatedPcapng.utf8("aµb", 2)).isEqualTo(new byte[] {'a'}); // never half of the two-byte µ
        assertThat(AnnotatedPcapng.utf8("aµb", 3)).isEqualTo("aµ".getBytes(StandardCharsets.UTF_8));
    }
}
