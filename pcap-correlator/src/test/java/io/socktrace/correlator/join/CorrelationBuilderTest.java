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
        List<TcpFlow> flows = new ArrayList<>();
        FlowTracker tracker = new FlowTracker(flows::add);
        try (CaptureReader reader = CaptureReader.open(file, false)) {
            PacketCursor p = new PacketCursor();
            while (reader.next(p)) {
                tracker.accept(p);
            }
        }
        tracker.finish();
        return flows;
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
        assertThat(c.clockOffsetNanos).isEqualTo(20_000L);
        assertThat(c.report()).contains("flows without a JVM connection 1").contains("127.0.0.1:40000 -> 127.0.0.1:8080 S1");
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
        assertThat(two.report()).contains("connection reset/4 client", "connection abort/4 client");
        assertThat(JsonReport.of(two)).contains("\"connectionId\": 4, \"recording\": \"abort\"");
        Correlation one = Correlation.of(List.of(a), List.of());
        assertThat(one.label(a)).isEqualTo("4");
    }
}
