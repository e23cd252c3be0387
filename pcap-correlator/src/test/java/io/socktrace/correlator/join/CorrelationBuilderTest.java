package io.socktrace.correlator.join;

import static io.socktrace.correlator.TestCaptures.ACK;
import static io.socktrace.correlator.TestCaptures.SYN;
import static io.socktrace.correlator.TestCaptures.fixture;
import static io.socktrace.correlator.TestCaptures.ipv4;
import static io.socktrace.correlator.TestCaptures.ipv4Packet;
import static io.socktrace.correlator.TestCaptures.pcap;
import static io.socktrace.correlator.TestCaptures.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.correlator.capture.CaptureReader;
import io.socktrace.correlator.capture.PacketCursor;
import io.socktrace.correlator.flow.FlowTracker;
import io.socktrace.correlator.flow.TcpFlow;
import io.socktrace.correlator.jvm.JvmConnection;
import io.socktrace.correlator.jvm.RecordingReader;
import io.socktrace.correlator.jvm.TestConnections;
import io.socktrace.correlator.report.JsonReport;
import io.socktrace.correlator.report.TextReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The streaming join: the result must not depend on the order flows finish in, and ports are reused. */
class CorrelationBuilderTest {
    private static final long T0 = 1_700_000_000_000_000_000L;
    private static final long MS = 1_000_000L;
    private static final int LOOPBACK = ipv4("127.0.0.1");

    @TempDir
    Path temp;

    static List<TcpFlow> flows(Path file) throws Exception {
        return io.socktrace.correlator.TestCaptures.flows(file);
    }

    /** connectionId → first packet of its flow (or 0) and its findings, for comparing two joins. */
    private static Map<Long, String> summary(Correlation c) {
        Map<Long, String> m = new TreeMap<>();
        for (Correlation.Joined j : c.connections) {
            m.put(j.connection.connectionId(), (j.flow == null ? 0 : j.flow.firstPacketNanos()) + " " + j.findings);
        }
        return m;
    }

    @Test
    void build_demoCapture_sameJoinInAnyFlowOrder() throws Exception {
        List<JvmConnection> jvm = RecordingReader.read(fixture("demo/demo.jfr"));
        List<TcpFlow> flows = flows(fixture("demo/demo.pcap"));
        Correlation inOrder = Correlation.of(jvm, flows);
        assertThat(inOrder.connections).hasSize(33);
        assertThat(inOrder.connections).filteredOn(j -> j.flow != null).hasSize(33);
        assertThat(inOrder.unmatchedFlowCount).isZero();

        for (long seed = 1; seed <= 5; seed++) {
            List<TcpFlow> shuffled = new ArrayList<>(flows);
            Collections.shuffle(shuffled, new Random(seed));
            Correlation other = Correlation.of(jvm, shuffled);
            assertThat(summary(other)).as("seed " + seed).isEqualTo(summary(inOrder));
            assertThat(other.clockOffsetNanos).isEqualTo(inOrder.clockOffsetNanos);
        }
    }

    private static byte[] syn(int clientPort, int serverPort) {
        return ipv4Packet(LOOPBACK, LOOPBACK, 6, 0, new byte[0], tcp(clientPort, serverPort, 1000, 0, SYN, 65535, new byte[0]), 0);
    }

    private static byte[] synAck(int clientPort, int serverPort) {
        return ipv4Packet(LOOPBACK, LOOPBACK, 6, 0, new byte[0], tcp(serverPort, clientPort, 5000, 1001, SYN | ACK, 65535, new byte[0]), 0);
    }

    private static byte[] ack(int clientPort, int serverPort) {
        return ipv4Packet(LOOPBACK, LOOPBACK, 6, 0, new byte[0], tcp(clientPort, serverPort, 1001, 5001, ACK, 65535, new byte[0]), 0);
    }

    @Test
    void build_reusedPorts_eachConnectionGetsTheFlowOfItsTime_theThirdIsUnmatched() throws Exception {
        // the same 4-tuple three times, 10 s apart (idle timeout 5 s ends each flow); the JVM made the first two
        Path file = Files.write(temp.resolve("reuse.pcap"), pcap(101, true, false, 96,
                T0, syn(40000, 8080), T0 + 40_000L, synAck(40000, 8080), T0 + 60_000L, ack(40000, 8080),
                T0 + 10_000 * MS, syn(40000, 8080), T0 + 10_000 * MS + 40_000L, synAck(40000, 8080),
                T0 + 10_000 * MS + 60_000L, ack(40000, 8080),
                T0 + 20_000 * MS, syn(40000, 8080), T0 + 20_000 * MS + 40_000L, synAck(40000, 8080),
                T0 + 20_000 * MS + 60_000L, ack(40000, 8080)));
        List<TcpFlow> flows = new ArrayList<>();
        FlowTracker tracker = new FlowTracker(flows::add, 5_000 * MS);
        try (CaptureReader reader = CaptureReader.open(file, true)) {
            PacketCursor p = new PacketCursor();
            while (reader.next(p)) {
                tracker.accept(p);
            }
        }
        tracker.finish();
        assertThat(flows).hasSize(3);
        JvmConnection first = TestConnections.client(1, 40000, 8080, T0 - 20_000L, 100_000L, "CONNECTED");
        JvmConnection second = TestConnections.client(2, 40000, 8080, T0 + 10_000 * MS - 20_000L, 100_000L, "CONNECTED");

        // latest first: each arriving flow is closer to the first connection than the one it holds
        Collections.reverse(flows);
        Correlation c = Correlation.of(List.of(first, second), flows);

        Map<Long, Long> flowStart = new TreeMap<>();
        for (Correlation.Joined j : c.connections) {
            flowStart.put(j.connection.connectionId(), j.flow.firstSynNanos());
        }
        assertThat(flowStart).containsEntry(1L, T0).containsEntry(2L, T0 + 10_000 * MS);
        assertThat(c.unmatchedFlowCount).isEqualTo(1);
        assertThat(c.unmatchedFlows).singleElement().extracting(TcpFlow::firstSynNanos).isEqualTo(T0 + 20_000 * MS);
        // both SYNs 20 µs into a 100 µs connect: the clocks agree (0), not "20 µs apart"
        assertThat(c.clockOffsetNanos).isZero();
        assertThat(TextReport.of(c)).contains("flows without a JVM connection 1").contains("127.0.0.1:40000 -> 127.0.0.1:8080 S1");
    }

    @Test
    void explain_resetSeenButTheRstWasOurs_saysSo() throws Exception {
        // the JVM's read failed with a reset, yet the only RST on the wire left from our own port
        byte[] rstFromClient = ipv4Packet(LOOPBACK, LOOPBACK, 6, 0, new byte[0],
                tcp(40001, 8080, 1001, 5001, io.socktrace.correlator.TestCaptures.RST | ACK, 0, new byte[0]), 0);
        Path file = Files.write(temp.resolve("ours.pcap"), pcap(101, true, false, 96,
                T0, syn(40001, 8080), T0 + 40_000L, synAck(40001, 8080), T0 + 60_000L, ack(40001, 8080),
                T0 + 5 * MS, rstFromClient));
        JvmConnection c = TestConnections.client(3, "127.0.0.1", 40001, "127.0.0.1", 8080, null, "worker",
                TestConnections.call("Connect", T0 - 10_000L, 90_000L, "CONNECTED", 0, null),
                TestConnections.call("Receive", T0 + MS, 4 * MS + 100_000L, "RESET", 0, "Connection reset"),
                TestConnections.call("Reset", T0 + 5 * MS + 100_000L, 0, "CONNECTION_RESET", 0, null));
        Correlation correlation = Correlation.of(List.of(c), flows(file));

        assertThat(correlation.connections).singleElement().satisfies(j -> {
            assertThat(j.flow.connState().name()).isEqualTo("RSTO");
            assertThat(j.findings).extracting(f -> f.code + ": " + f.text)
                    .containsExactly("LOCAL_ABORT: the app saw a reset but the RST was ours: it left this host 0.1 ms before "
                            + "the failed call returned, and none came from the peer");
        });
    }

    @Test
    void label_severalRecordings_namesTheRecording() throws Exception {
        JvmConnection a = TestConnections.inRecording(TestConnections.client(4, 40000, 8080, T0, 100_000L, "CONNECTED"), "reset");
        JvmConnection b = TestConnections.inRecording(TestConnections.client(4, 40002, 8080, T0, 100_000L, "CONNECTED"), "abort");
        Correlation two = Correlation.of(List.of(a, b), List.of());
        assertThat(two.severalRecordings).isTrue();
        assertThat(two.label(a)).isEqualTo("reset/4");
        assertThat(TextReport.of(two)).contains("connection reset/4 client", "connection abort/4 client");
        assertThat(JsonReport.of(two)).contains("\"connectionId\": 4, \"recording\": \"abort\"");
        Correlation one = Correlation.of(List.of(a), List.of());
        assertThat(one.label(a)).isEqualTo("4");
    }

    @Test
    void build_ipv6Loopback_joinsByNumericAddress() throws Exception {
        // Java writes ::1 as 0:0:0:0:0:0:0:1 and the capture side as ::1: the join must not compare texts
        byte[] loopback6 = new byte[16];
        loopback6[15] = 1;
        byte[] documentation = new byte[] {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x07};
        Path file = Files.write(temp.resolve("v6.pcap"), pcap(101, true, false, 128,
                T0, io.socktrace.correlator.TestCaptures.ipv6Packet(loopback6, loopback6, 6, new byte[0],
                        tcp(40010, 8080, 1000, 0, SYN, 65535, new byte[0]), 0),
                T0 + 40_000L, io.socktrace.correlator.TestCaptures.ipv6Packet(loopback6, loopback6, 6, new byte[0],
                        tcp(8080, 40010, 5000, 1001, SYN | ACK, 65535, new byte[0]), 0),
                T0 + 100_000L, io.socktrace.correlator.TestCaptures.ipv6Packet(documentation, loopback6, 6, new byte[0],
                        tcp(40011, 8080, 1000, 0, SYN, 65535, new byte[0]), 0)));
        JvmConnection local = TestConnections.client(5, "::1", 40010, "0:0:0:0:0:0:0:1", 8080, null, "worker",
                TestConnections.call("Connect", T0 - 10_000L, 60_000L, "CONNECTED", 0, null));
        // same ports, but the flow came from 2001:db8::7: not this connection
        JvmConnection other = TestConnections.client(6, "::1", 40011, "::1", 8080, null, "worker",
                TestConnections.call("Connect", T0 + 90_000L, 60_000L, "CONNECTED", 0, null));

        Correlation c = Correlation.of(List.of(local, other), flows(file));

        Map<Long, String> joined = new TreeMap<>();
        for (Correlation.Joined j : c.connections) {
            joined.put(j.connection.connectionId(), j.flow == null ? "none" : j.flow.clientAddress() + " " + j.flow.clientPort());
        }
        assertThat(joined).containsEntry(5L, "::1 40010").containsEntry(6L, "none");
        assertThat(c.unmatchedFlowCount).isEqualTo(1);
        assertThat(c.unmatchedFlows).singleElement().extracting(TcpFlow::clientAddress).isEqualTo("2001:db8::7");
    }

    @Test
    void offset_putsEverySynInsideItsConnect_nearestZero() {
        // same host: SYNs 20-70 µs after the connect call began, calls 100-300 µs long
        assertThat(CorrelationBuilder.offset(List.of(-80_000L, -230_000L, -40_000L), List.of(20_000L, 70_000L, 60_000L))).isZero();
        // the capture clock 5 ms ahead: the nearest offset that keeps every SYN inside its call
        assertThat(CorrelationBuilder.offset(List.of(4_920_000L, 4_770_000L, 4_960_000L), List.of(5_020_000L, 5_070_000L, 5_060_000L)))
                .isEqualTo(4_960_000L);
        // and 5 ms behind
        assertThat(CorrelationBuilder.offset(List.of(-5_080_000L, -5_230_000L), List.of(-4_980_000L, -4_930_000L))).isEqualTo(-4_980_000L);
        // intervals that do not meet: the middle of the gap
        assertThat(CorrelationBuilder.offset(List.of(100_000L, -50_000L), List.of(200_000L, 50_000L))).isEqualTo(75_000L);
        assertThat(CorrelationBuilder.offset(List.of(), List.of())).isZero();
    }

    @Test
    void offset_oneStrayHandshakeAmongTwenty_isLeftOut() {
        List<Long> earliest = new ArrayList<>();
        List<Long> latest = new ArrayList<>();
        for (int i = 0; i < 19; i++) {
            earliest.add(-100_000L);
            latest.add(30_000L + i);
        }
        earliest.add(900_000L); // a connect whose SYN the capture put 1 ms late
        latest.add(1_000_000L);
        assertThat(CorrelationBuilder.offset(earliest, latest)).isZero();
    }

    @Test
    void report_controlCharactersFromTheApplication_areEscaped() {
        JvmConnection c = TestConnections.client(7, "127.0.0.1", 40020, "127.0.0.1", 8080, null, "evil\nconnection 99 client\u001b[2J",
                TestConnections.call("Connect", T0, 100_000L, "REFUSED", 0, "refused\r\n\tagain"));
        String report = TextReport.of(Correlation.of(List.of(c), List.of()));
        assertThat(report).contains("[evil\\nconnection 99 client\\u001b[2J]").doesNotContain("\u001b").doesNotContain("\nconnection 99");
        assertThat(TextReport.printable("plain")).isSameAs("plain");
        assertThat(TextReport.printable("a\r\n\tb\u007f")).isEqualTo("a\\r\\n\\tb\\u007f");
    }

    @Test
    void build_captureStartedMidFlow_serverSpeaksFirst_stillJoinsTheClient() throws Exception {
        // the capture missed the handshake; its first packet is the server's: the tracker takes the
        // server for the client, and the join must turn the flow round for the JVM's client
        int ack = io.socktrace.correlator.TestCaptures.ACK;
        int psh = io.socktrace.correlator.TestCaptures.PSH;
        int rst = io.socktrace.correlator.TestCaptures.RST;
        Path file = Files.write(temp.resolve("midflow.pcap"), pcap(101, true, false, 256,
                T0, ipv4Packet(LOOPBACK, LOOPBACK, 6, 0, new byte[0], tcp(8080, 40030, 5000, 1001, psh | ack, 65535, new byte[0]), 100),
                T0 + MS, ipv4Packet(LOOPBACK, LOOPBACK, 6, 0, new byte[0], tcp(40030, 8080, 1001, 5100, ack, 65535, new byte[0]), 0),
                T0 + 5 * MS, ipv4Packet(LOOPBACK, LOOPBACK, 6, 0, new byte[0], tcp(8080, 40030, 5100, 1001, rst | ack, 0, new byte[0]), 0)));
        List<TcpFlow> flows = flows(file);
        assertThat(flows).singleElement().extracting(TcpFlow::clientPort).isEqualTo(8080);
        JvmConnection c = TestConnections.client(8, "127.0.0.1", 40030, "127.0.0.1", 8080, null, "worker",
                TestConnections.call("Connect", T0 - 10_000 * MS, 90_000L, "CONNECTED", 0, null),
                TestConnections.call("Receive", T0 + 2 * MS, 3 * MS + 100_000L, "RESET", 0, "Connection reset"),
                TestConnections.call("Reset", T0 + 5 * MS + 150_000L, 0, "CONNECTION_RESET", 0, null));

        Correlation correlation = Correlation.of(List.of(c), flows);

        Correlation.Joined joined = correlation.connections.get(0);
        assertThat(joined.flow).isNotNull();
        assertThat(joined.flow.clientPort()).isEqualTo(40030);
        assertThat(joined.flow.server().payloadBytes()).isEqualTo(100); // the data came from the server
        assertThat(joined.flow.client().payloadBytes()).isZero();
        assertThat(joined.findings).extracting(f -> f.code).containsExactly("PEER_RESET");
        assertThat(correlation.unmatchedFlowCount).isZero();
    }

    @Test
    void build_aPeerThatWentSilent_thenTheKernelGaveUp_isPeerVanished() throws Exception {
        // the server answered once, then nothing: our next data went out four times unanswered
        int ack = io.socktrace.correlator.TestCaptures.ACK;
        int psh = io.socktrace.correlator.TestCaptures.PSH;
        byte[] none = new byte[0];
        Path file = Files.write(temp.resolve("vanished.pcap"), pcap(101, true, false, 256,
                T0, syn(40060, 5556), T0 + 40_000L, synAck(40060, 5556), T0 + 60_000L, ack(40060, 5556),
                T0 + MS, ipv4Packet(LOOPBACK, LOOPBACK, 6, 0, none, tcp(5556, 40060, 5001, 1001, psh | ack, 65535, none), 6),
                T0 + 2 * MS, ipv4Packet(LOOPBACK, LOOPBACK, 6, 0, none, tcp(40060, 5556, 1001, 5007, ack, 65535, none), 0),
                T0 + 100 * MS, ipv4Packet(LOOPBACK, LOOPBACK, 6, 0, none, tcp(40060, 5556, 1001, 5007, psh | ack, 65535, none), 100),
                T0 + 310 * MS, ipv4Packet(LOOPBACK, LOOPBACK, 6, 0, none, tcp(40060, 5556, 1001, 5007, psh | ack, 65535, none), 100),
                T0 + 720 * MS, ipv4Packet(LOOPBACK, LOOPBACK, 6, 0, none, tcp(40060, 5556, 1001, 5007, psh | ack, 65535, none), 100),
                T0 + 1540 * MS, ipv4Packet(LOOPBACK, LOOPBACK, 6, 0, none, tcp(40060, 5556, 1001, 5007, psh | ack, 65535, none), 100)));
        JvmConnection c = TestConnections.client(10, "127.0.0.1", 40060, "127.0.0.1", 5556, null, "writer",
                TestConnections.call("Connect", T0, 90_000L, "CONNECTED", 0, null),
                TestConnections.call("Send", T0 + 3_200 * MS, 20_000L, "PEER_VANISHED", 0, "Connection timed out"),
                TestConnections.call("Reset", T0 + 3_200 * MS + 30_000L, 0, "PEER_VANISHED", 0, "Connection timed out"),
                TestConnections.call("Close", T0 + 3_300 * MS, 20_000L, "AFTER_ERROR", 0, null));

        Correlation.Joined joined = Correlation.of(List.of(c), flows(file)).connections.get(0);

        assertThat(joined.flow).isNotNull();
        // first the JVM's story, then what the wire adds (the retransmissions themselves)
        assertThat(joined.findings).extracting(f -> f.code).containsExactly("PEER_VANISHED", "RETRANSMISSION");
        assertThat(joined.findings.get(0).text)
                .contains("its last packet 3199.0 ms before the failure")
                .contains("5 packets of ours after it unanswered (3 retransmissions")
                .contains("no FIN, no RST; then the kernel gave up: Connection timed out");
    }

    @Test
    void build_aResetTheJdkHandledInItsTlsClose_isNoFinding() throws Exception {
        // the server closed, the client's TLS close wrote close_notify, the server's kernel answered
        // with RST, and a second alert met a broken pipe that SSLSocketImpl.close() swallowed
        int ack = io.socktrace.correlator.TestCaptures.ACK;
        int fin = io.socktrace.correlator.TestCaptures.FIN;
        int rst = io.socktrace.correlator.TestCaptures.RST;
        Path file = Files.write(temp.resolve("tls-close.pcap"), pcap(101, true, false, 256,
                T0, syn(40050, 8443), T0 + 40_000L, synAck(40050, 8443), T0 + 60_000L, ack(40050, 8443),
                T0 + MS, ipv4Packet(LOOPBACK, LOOPBACK, 6, 0, new byte[0], tcp(8443, 40050, 5001, 1001, ack, 65535, new byte[0]), 40),
                T0 + 2 * MS, ipv4Packet(LOOPBACK, LOOPBACK, 6, 0, new byte[0], tcp(8443, 40050, 5041, 1001, fin | ack, 65535, new byte[0]), 0),
                T0 + 32 * MS, ipv4Packet(LOOPBACK, LOOPBACK, 6, 0, new byte[0], tcp(40050, 8443, 1001, 5042, ack, 65535, new byte[0]), 24),
                T0 + 32 * MS + 30_000L, ipv4Packet(LOOPBACK, LOOPBACK, 6, 0, new byte[0], tcp(8443, 40050, 5042, 0, rst, 0, new byte[0]), 0)));
        JvmConnection c = TestConnections.client(9, "127.0.0.1", 40050, "127.0.0.1", 8443, null, "main",
                TestConnections.call("Connect", T0, 90_000L, "CONNECTED", 0, null),
                TestConnections.handledCall("Send", T0 + 32 * MS + 50_000L, 10_000L, "BROKEN_PIPE", "Broken pipe"),
                TestConnections.handledCall("Reset", T0 + 32 * MS + 60_000L, 0, "BROKEN_PIPE", "Broken pipe"),
                TestConnections.call("Close", T0 + 32 * MS + 70_000L, 20_000L, "PEER", 0, null));

        Correlation.Joined joined = Correlation.of(List.of(c), flows(file)).connections.get(0);

        assertThat(joined.flow).isNotNull();
        // what the application saw was clean: no reset finding, no write after the peer's close
        assertThat(joined.findings).extracting(f -> f.code).doesNotContain("PEER_RESET", "WRITE_AFTER_PEER_CLOSE", "LOCAL_ABORT");
        // the same connection with the reset told to the application is a finding: the rule is live
        JvmConnection told = TestConnections.client(9, "127.0.0.1", 40050, "127.0.0.1", 8443, null, "main",
                TestConnections.call("Connect", T0, 90_000L, "CONNECTED", 0, null),
                TestConnections.call("Reset", T0 + 32 * MS + 60_000L, 0, "BROKEN_PIPE", 0, "Broken pipe"),
                TestConnections.call("Close", T0 + 32 * MS + 70_000L, 20_000L, "AFTER_ERROR", 0, null));
        assertThat(Correlation.of(List.of(told), flows(file)).connections.get(0).findings).extracting(f -> f.code)
                .containsAnyOf("PEER_RESET", "WRITE_AFTER_PEER_CLOSE");
    }

    /** Our answer to a half-close 1.5 s after the peer's FIN, then our FIN {@code finAfterAnswerMs} later. */
    private Correlation halfClosed(String name, long finAfterAnswerMs) throws Exception {
        int ack = io.socktrace.correlator.TestCaptures.ACK;
        int fin = io.socktrace.correlator.TestCaptures.FIN;
        long answer = T0 + 1_500 * MS;
        Path file = Files.write(temp.resolve(name), pcap(101, true, false, 256,
                T0, syn(40040, 8080), T0 + 40_000L, synAck(40040, 8080), T0 + 60_000L, ack(40040, 8080),
                T0 + MS, ipv4Packet(LOOPBACK, LOOPBACK, 6, 0, new byte[0], tcp(8080, 40040, 5001, 1001, ack, 65535, new byte[0]), 10),
                T0 + 2 * MS, ipv4Packet(LOOPBACK, LOOPBACK, 6, 0, new byte[0], tcp(8080, 40040, 5011, 1001, fin | ack, 65535, new byte[0]), 0),
                answer, ipv4Packet(LOOPBACK, LOOPBACK, 6, 0, new byte[0], tcp(40040, 8080, 1001, 5012, ack, 65535, new byte[0]), 20),
                answer + finAfterAnswerMs * MS,
                ipv4Packet(LOOPBACK, LOOPBACK, 6, 0, new byte[0], tcp(40040, 8080, 1021, 5012, fin | ack, 65535, new byte[0]), 0)));
        JvmConnection c = TestConnections.client(9, "127.0.0.1", 40040, "127.0.0.1", 8080, null, "worker",
                TestConnections.call("Connect", T0 - 20_000L, 100_000L, "CONNECTED", 0, null));
        return Correlation.of(List.of(c), flows(file));
    }

    @Test
    void explain_halfCloseAnsweredLate_isNotCloseWait_butAFinLongAfterTheAnswerIs() throws Exception {
        Correlation answered = halfClosed("answered.pcap", 1);
        TcpFlow flow = answered.connections.get(0).flow;
        assertThat(flow.client().payloadAfterPeerFin()).as(flow.describe() + " " + answered.connections.get(0).findings).isEqualTo(20);
        assertThat(answered.connections.get(0).findings).extracting(x -> x.code).doesNotContain("CLOSE_WAIT");
        List<Finding> late = halfClosed("late-fin.pcap", 2_000).connections.get(0).findings;
        assertThat(late).extracting(f -> f.code).containsExactly("CLOSE_WAIT");
        assertThat(late.get(0).text).isEqualTo("the peer half-closed (FIN), we answered, and our FIN followed our last data 2000.0 ms later");
    }
}
