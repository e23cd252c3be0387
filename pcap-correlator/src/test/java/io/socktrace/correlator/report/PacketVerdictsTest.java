package io.socktrace.correlator.report;

import static io.socktrace.correlator.TestCaptures.ACK;
import static io.socktrace.correlator.TestCaptures.FIN;
import static io.socktrace.correlator.TestCaptures.PSH;
import static io.socktrace.correlator.TestCaptures.RST;
import static io.socktrace.correlator.TestCaptures.SYN;
import static io.socktrace.correlator.TestCaptures.ipv4;
import static io.socktrace.correlator.TestCaptures.ipv4Packet;
import static io.socktrace.correlator.TestCaptures.pcap;
import static io.socktrace.correlator.TestCaptures.tcp;
import static io.socktrace.correlator.jvm.TestConnections.call;
import static io.socktrace.correlator.jvm.TestConnections.client;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.socktrace.correlator.TestCaptures;
import io.socktrace.correlator.join.Correlation;
import io.socktrace.correlator.join.PacketIndex;
import io.socktrace.correlator.jvm.JvmConnection;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One capture through every output: each packet must get the same retransmission, zero-window
 * and during/after-which-call verdict in the HTML timeline, the annotated pcapng and the JFR
 * packet events, and the per-side counts of the text report and the JSON must be the sums of
 * those verdicts. The capture holds the cases the outputs used to disagree on: a retransmitted
 * SYN (counted by the tracker only), a zero window on a FIN (left out by the JFR writer), a
 * retransmitted FIN, and a RST with window 0 (never a zero window).
 */
class PacketVerdictsTest {
    private static final long MS = 1_000_000L;
    /** Now, so that the packets fall near the recording the JFR output is written into. */
    private static final long T0 = System.currentTimeMillis() / 1000 * 1_000_000_000L;
    private static final int CLIENT = ipv4("10.0.0.1");
    private static final int SERVER = ipv4("10.0.0.2");
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The expected verdict of each packet, in capture order: R retransmission, Z zero window, then
     * where it falls among the connection's calls.
     */
    private static final List<String> EXPECTED = List.of(
            "- - during Connect CONNECTED",   //  1 SYN
            "R - during Connect CONNECTED",   //  2 the SYN again, 1 s later
            "- - during Connect CONNECTED",   //  3 SYN/ACK
            "- - after Connect CONNECTED",    //  4 ACK
            "- - during Send OK",             //  5 100 bytes
            "- Z during Send OK",             //  6 the server's window closes, the data not taken
            "R - during Send OK",             //  7 the 100 bytes again
            "- Z after Send OK",              //  8 still closed
            "- - after Send OK",              //  9 open again
            "- - after Send OK",              // 10 50 new bytes
            "- Z after Send OK",              // 11 the server's FIN, window 0
            "- - during Close LOCAL",         // 12 the client's FIN
            "R - after Close LOCAL",          // 13 the client's FIN again
            "- Z after Close LOCAL",          // 14 the server's last ACK, window 0
            "- - after Close LOCAL");         // 15 RST, window 0: not an advertisement

    @TempDir
    static Path dir;
    private static Path capture;
    private static Correlation joined;
    private static Correlation unjoined;
    private static Path recording;

    @BeforeAll
    static void captureAndCorrelate() throws Exception {
        List<Object> records = new ArrayList<>();
        segment(records, 0, true, 1000, 0, SYN, 65535, 0);
        segment(records, 1000, true, 1000, 0, SYN, 65535, 0);
        segment(records, 1010, false, 5000, 1001, SYN | ACK, 65535, 0);
        segment(records, 1020, true, 1001, 5001, ACK, 512, 0);
        segment(records, 1030, true, 1001, 5001, PSH | ACK, 512, 100);
        segment(records, 1040, false, 5001, 1001, ACK, 0, 0); // the 100 bytes did not fit
        segment(records, 1300, true, 1001, 5001, PSH | ACK, 512, 100);
        segment(records, 1310, false, 5001, 1101, ACK, 0, 0);
        segment(records, 1500, false, 5001, 1101, ACK, 1000, 0);
        segment(records, 1510, true, 1101, 5001, PSH | ACK, 512, 50);
        segment(records, 1520, false, 5001, 1151, FIN | ACK, 0, 0);
        segment(records, 1530, true, 1151, 5002, FIN | ACK, 512, 0);
        segment(records, 1540, true, 1151, 5002, FIN | ACK, 512, 0);
        segment(records, 1550, false, 5002, 1152, ACK, 0, 0);
        segment(records, 1560, false, 5002, 0, RST, 0, 0);
        capture = Files.write(dir.resolve("verdicts.pcap"), pcap(101, true, false, 128, records.toArray()));

        JvmConnection connection = client(7, "10.0.0.1", 40000, "10.0.0.2", 8080, null, "main",
                call("Connect", T0 - 10_000, 1015 * MS + 10_000, "CONNECTED", 0, null),
                call("Send", T0 + 1025 * MS, 280 * MS, "OK", 150, null),
                call("Close", T0 + 1525 * MS, 10 * MS, "LOCAL", 0, null));
        joined = Correlation.of(List.of(connection), TestCaptures.flows(capture));
        unjoined = Correlation.of(List.of(), TestCaptures.flows(capture));
        assertThat(joined.clockOffsetNanos).as("the SYN left inside its connect: no offset").isZero();
        assertThat(joined.connections.get(0).flow).isNotNull();
        assertThat(unjoined.unmatchedFlows).hasSize(1);

        recording = dir.resolve("empty.jfr");
        try (Recording r = new Recording()) {
            r.start();
            r.stop();
            r.dump(recording);
        }
    }

    private static void segment(List<Object> records, long ms, boolean fromClient, int seq, int ack, int flags, int window,
                                int payload) {
        byte[] header = fromClient ? tcp(40000, 8080, seq, ack, flags, window, new byte[0])
                : tcp(8080, 40000, seq, ack, flags, window, new byte[0]);
        records.add(T0 + ms * MS);
        records.add(ipv4Packet(fromClient ? CLIENT : SERVER, fromClient ? SERVER : CLIENT, 6, 0, new byte[0], header, payload));
    }

    private static String verdict(boolean retransmission, boolean zeroWindow, String placement) {
        return (retransmission ? "R " : "- ") + (zeroWindow ? "Z " : "- ") + placement;
    }

    @Test
    void timeline_givesEachPacketItsVerdict() throws Exception {
        String html = HtmlTimeline.render(PacketIndex.of(joined), capture, List.of(recording));
        Matcher m = Pattern.compile("<script type=\"application/json\" id=\"timeline-data\">(.*?)</script>", Pattern.DOTALL)
                .matcher(html);
        assertThat(m.find()).isTrue();
        JsonNode lane = JSON.readTree(m.group(1)).get("lanes").get(0);
        JsonNode calls = lane.get("calls");
        List<String> verdicts = new ArrayList<>();
        for (JsonNode p : lane.get("packets")) {
            int bits = p.get(1).asInt();
            JsonNode call = calls.get(p.get(6).asInt());
            String placement = ((bits & TimelineLane.DURING_CALL) != 0 ? "during " : "after ")
                    + call.get(2).asText() + " " + call.get(3).asText();
            verdicts.add(verdict((bits & TimelineLane.RETRANSMISSION) != 0, (bits & TimelineLane.ZERO_WINDOW) != 0, placement));
        }
        assertThat(verdicts).containsExactlyElementsOf(EXPECTED);
    }

    @Test
    void annotatedPcapng_givesEachPacketItsVerdict_andTheLongFormOnEachZeroWindowEpisodesStart() throws Exception {
        Path out = dir.resolve("verdicts.pcapng");
        AnnotatedPcapng.write(capture, false, PacketIndex.of(joined), out);
        List<String> comments = packetComments(out);
        assertThat(comments).hasSize(EXPECTED.size());
        Pattern form = Pattern.compile("socktrace connection 7(?: \\([^)]*\\))?: (during|after) (\\w+ \\w+)"
                + "(?: \\((retransmission)?(?:, )?(zero window)?\\))?(?:; [A-Z_, ]+)?");
        List<String> verdicts = new ArrayList<>();
        for (String comment : comments) {
            Matcher m = form.matcher(comment);
            assertThat(m.matches()).as(comment).isTrue();
            verdicts.add(verdict(m.group(3) != null, m.group(4) != null, m.group(1) + " " + m.group(2)));
        }
        assertThat(verdicts).containsExactlyElementsOf(EXPECTED);
        // the long form (with the endpoints) on the first packet, SYN/FIN/RST, and the start of each
        // zero-window episode (6 and 11; 8 and 14 continue one)
        List<Integer> longForm = new ArrayList<>();
        for (int i = 0; i < comments.size(); i++) {
            if (comments.get(i).startsWith("socktrace connection 7 (")) {
                longForm.add(i + 1);
            }
        }
        assertThat(longForm).containsExactly(1, 2, 3, 6, 11, 12, 13, 15);
    }

    @Test
    void packetEvents_giveEachPacketItsVerdict_joinedOrNot() throws Exception {
        Path out = dir.resolve("joined.jfr");
        PacketRecording.write(out, List.of(recording), capture, false, joined, 1000);
        List<String> verdicts = new ArrayList<>();
        for (RecordedEvent e : packetEvents(out)) {
            String javaEvent = e.getString("javaEvent");
            String placement = javaEvent.startsWith("after ") ? javaEvent : "during " + javaEvent;
            verdicts.add(verdict(e.getBoolean("retransmission"), e.getBoolean("zeroWindow"), placement));
        }
        assertThat(verdicts).containsExactlyElementsOf(EXPECTED);

        // the same flow without a JVM connection: the same verdicts, no call
        Path alone = dir.resolve("unjoined.jfr");
        PacketRecording.write(alone, List.of(recording), capture, false, unjoined, 1000);
        List<String> unjoinedVerdicts = packetEvents(alone).stream()
                .map(e -> verdict(e.getBoolean("retransmission"), e.getBoolean("zeroWindow"), e.getString("javaEvent")))
                .collect(Collectors.toList());
        assertThat(unjoinedVerdicts).containsExactlyElementsOf(
                EXPECTED.stream().map(v -> v.substring(0, 4)).collect(Collectors.toList()));
    }

    @Test
    void jsonAndTextReport_countWhatThePacketsWereGiven() throws Exception {
        long retransmissions = EXPECTED.stream().filter(v -> v.startsWith("R")).count();
        long zeroWindows = EXPECTED.stream().filter(v -> v.charAt(2) == 'Z').count();
        assertThat(retransmissions).isEqualTo(3); // all the client's: SYN, data, FIN
        assertThat(zeroWindows).isEqualTo(4);     // all the server's, the FIN's included

        JsonNode connection = JSON.readTree(JsonReport.of(joined)).get("connections").get(0);
        assertThat(connection.get("retransmissions").get("client").asLong()).isEqualTo(retransmissions);
        assertThat(connection.get("retransmissions").get("server").asLong()).isZero();
        assertThat(connection.get("zeroWindowSegments").get("client").asLong()).isZero();
        assertThat(connection.get("zeroWindowSegments").get("server").asLong()).isEqualTo(zeroWindows);
        JsonNode flow = JSON.readTree(JsonReport.of(unjoined)).get("unmatchedFlows").get(0);
        assertThat(flow.get("retransmissions")).isEqualTo(connection.get("retransmissions"));
        assertThat(flow.get("zeroWindowSegments")).isEqualTo(connection.get("zeroWindowSegments"));

        // the flow without a connection, as the text report lists it
        assertThat(TextReport.of(unjoined)).contains(", retransmits " + retransmissions + "/0, zero window from server 0.500 s ("
                + zeroWindows + " segments)");
        // the connection's findings: two episodes (packets 6 and 11), 460 + 40 ms; the SYN sent twice;
        // of the client's three retransmissions one carried data (100 B), 270 ms after it was first sent
        String report = TextReport.of(joined);
        assertThat(report).contains("ZERO_WINDOW: send blocked 280.0 ms while the peer advertised a zero window for 500.0 ms (2 times)")
                .contains("RETRANSMISSION: the SYN was sent 2 times, 1000.0 ms lost before the handshake; "
                        + "we sent 1 segment (100 B) again, 270.0 ms lost waiting");
    }

    private static List<RecordedEvent> packetEvents(Path file) throws Exception {
        return RecordingFile.readAllEvents(file).stream().filter(e -> e.getEventType().getName().equals(PacketRecording.EVENT_NAME))
                .sorted(Comparator.comparingLong(e -> e.getLong("frameNumber"))).collect(Collectors.toList());
    }

    /** The opt_comment of each enhanced packet block of a little-endian pcapng file (as written), "" if none. */
    private static List<String> packetComments(Path pcapng) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(pcapng)).order(ByteOrder.LITTLE_ENDIAN);
        List<String> comments = new ArrayList<>();
        for (int at = 0; at < b.limit(); at += b.getInt(at + 4)) {
            if (b.getInt(at) != 6) {
                continue;
            }
            int options = at + 28 + ((b.getInt(at + 20) + 3) & ~3);
            int end = at + b.getInt(at + 4) - 4;
            List<String> texts = new ArrayList<>();
            while (options < end && b.getShort(options) != 0) {
                int length = b.getShort(options + 2) & 0xffff;
                if (b.getShort(options) == 1) {
                    texts.add(new String(b.array(), options + 4, length, StandardCharsets.UTF_8));
                }
                options += 4 + ((length + 3) & ~3);
            }
            comments.add(String.join("|", texts));
        }
        return comments;
    }
}
