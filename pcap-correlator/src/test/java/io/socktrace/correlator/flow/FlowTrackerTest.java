package io.socktrace.correlator.flow;

import static io.socktrace.correlator.TestCaptures.ACK;
import static io.socktrace.correlator.TestCaptures.FIN;
import static io.socktrace.correlator.TestCaptures.RST;
import static io.socktrace.correlator.TestCaptures.SYN;
import static io.socktrace.correlator.TestCaptures.fixture;
import static io.socktrace.correlator.TestCaptures.ipv4;
import static io.socktrace.correlator.TestCaptures.ipv4Packet;
import static io.socktrace.correlator.TestCaptures.pcap;
import static io.socktrace.correlator.TestCaptures.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.correlator.capture.CaptureReader;
import io.socktrace.correlator.capture.PacketCursor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlowTrackerTest {
    private static final int CLIENT = ipv4("10.0.0.1");
    private static final int SERVER = ipv4("10.0.0.2");
    private static final long T0 = 1_700_000_000_000_000_000L;
    private static final long MS = 1_000_000L;

    @TempDir
    Path temp;

    static List<TcpFlow> flows(Path file) throws Exception {
        List<TcpFlow> flows = new ArrayList<>();
        FlowTracker tracker = new FlowTracker(flows::add);
        try (CaptureReader reader = CaptureReader.open(file, true)) {
            PacketCursor p = new PacketCursor();
            while (reader.next(p)) {
                tracker.accept(p);
            }
        }
        tracker.finish();
        return flows;
    }

    private static byte[] fromClient(int seq, int ack, int flags, int window, int payload) {
        return ipv4Packet(CLIENT, SERVER, 6, 0, new byte[0], tcp(50000, 80, seq, ack, flags, window, new byte[0]), payload);
    }

    private static byte[] fromServer(int seq, int ack, int flags, int window, int payload) {
        return ipv4Packet(SERVER, CLIENT, 6, 0, new byte[0], tcp(80, 50000, seq, ack, flags, window, new byte[0]), payload);
    }

    private Path capture(String name, Object... packets) throws Exception {
        return Files.write(temp.resolve(name), pcap(101, true, false, 96, packets));
    }

    @Test
    void refusedConnect_isRejWithResetFromServer() throws Exception {
        TcpFlow flow = single(flows(fixture("rej.pcap")));

        assertThat(flow.connState()).isEqualTo(ConnState.REJ);
        assertThat(flow.serverPort()).isEqualTo(40002);
        assertThat(flow.synCount()).isEqualTo(1);
        assertThat(flow.server().rstNanos()).isGreaterThanOrEqualTo(flow.firstSynNanos());
        assertThat(flow.client().rstNanos()).isEqualTo(TcpFlow.NONE);
        assertThat(flow.synAckNanos()).isEqualTo(TcpFlow.NONE);
    }

    @Test
    void droppedSyns_isS0WithRetransmittedSyns() throws Exception {
        TcpFlow flow = single(flows(fixture("s0.pcap")));

        assertThat(flow.connState()).isEqualTo(ConnState.S0);
        assertThat(flow.serverPort()).isEqualTo(40003);
        assertThat(flow.synCount()).isGreaterThanOrEqualTo(3); // 3.5 s connect timeout: SYN at 0, 1, 3 s
        assertThat(flow.server().packets()).isZero();
        assertThat(flow.lastSynNanos() - flow.firstSynNanos()).isGreaterThan(2_000 * MS);
        assertThat(flow.handshakeRttNanos()).isEqualTo(TcpFlow.NONE);
    }

    @Test
    void serverAbort_isRstrWithClientBytes() throws Exception {
        TcpFlow flow = single(flows(fixture("reset.pcap")));

        assertThat(flow.connState()).isEqualTo(ConnState.RSTR);
        assertThat(flow.serverPort()).isEqualTo(40004);
        assertThat(flow.client().payloadBytes()).isEqualTo(300);
        assertThat(flow.server().rstNanos()).isNotEqualTo(TcpFlow.NONE);
        assertThat(flow.client().rstNanos()).isEqualTo(TcpFlow.NONE);
        assertThat(flow.client().finNanos()).isEqualTo(TcpFlow.NONE);
    }

    @Test
    void receiverThatDoesNotRead_advertisesZeroWindow() throws Exception {
        TcpFlow flow = single(flows(fixture("zerowin.pcap")));

        assertThat(flow.connState()).isEqualTo(ConnState.SF);
        assertThat(flow.client().payloadBytes()).isEqualTo(4L * 1024 * 1024);
        assertThat(flow.server().payloadBytes()).isZero();
        assertThat(flow.server().zeroWindowEpisodes()).isGreaterThanOrEqualTo(1);
        assertThat(flow.server().zeroWindowNanos()).isGreaterThan(500 * MS); // the server slept 1.5 s before reading
        assertThat(flow.server().lastZeroWindowNanos()).isGreaterThan(flow.server().firstZeroWindowNanos());
        assertThat(flow.client().zeroWindowSegments()).isZero();
    }

    @Test
    void clientAbortAfterData_isRsto() throws Exception {
        Path file = capture("rsto.pcap",
                T0, fromClient(100, 0, SYN, 65535, 0),
                T0 + MS, fromServer(900, 101, SYN | ACK, 65535, 0),
                T0 + 2 * MS, fromClient(101, 901, ACK, 512, 0),
                T0 + 3 * MS, fromClient(101, 901, ACK, 512, 10),
                T0 + 4 * MS, fromClient(111, 901, RST | ACK, 0, 0));

        TcpFlow flow = single(flows(file));

        assertThat(flow.connState()).isEqualTo(ConnState.RSTO);
        assertThat(flow.client().rstNanos()).isEqualTo(T0 + 4 * MS);
        assertThat(flow.client().zeroWindowSegments()).as("a RST's window is not an advertisement").isZero();
        assertThat(flow.handshakeRttNanos()).isEqualTo(2 * MS);
        assertThat(flow.end()).isEqualTo(FlowEnd.FINISHED);
    }

    @Test
    void retransmissionsAreCountedOnceAndBytesNotTwice() throws Exception {
        Path file = capture("retrans.pcap",
                T0, fromClient(-10, 0, SYN, 65535, 0), // sequence numbers wrap during the data
                T0 + MS, fromServer(900, -9, SYN | ACK, 65535, 0),
                T0 + 2 * MS, fromClient(-9, 901, ACK, 512, 0),
                T0 + 3 * MS, fromClient(-9, 901, ACK, 512, 100),
                T0 + 4 * MS, fromClient(91, 901, ACK, 512, 100),
                T0 + 300 * MS, fromClient(-9, 901, ACK, 512, 100),   // full retransmission
                T0 + 301 * MS, fromClient(41, 901, ACK, 512, 200),   // partial: 150 old, 50 new
                T0 + 302 * MS, fromClient(241, 901, FIN | ACK, 512, 0),
                T0 + 303 * MS, fromServer(901, 242, FIN | ACK, 100, 0),
                T0 + 304 * MS, fromClient(242, 902, ACK, 512, 0));

        TcpFlow flow = single(flows(file));

        assertThat(flow.connState()).isEqualTo(ConnState.SF);
        assertThat(flow.client().payloadBytes()).isEqualTo(250);
        assertThat(flow.client().retransmittedSegments()).isEqualTo(2);
        assertThat(flow.client().retransmittedBytes()).isEqualTo(250);
        assertThat(flow.client().packets()).isEqualTo(8);
        assertThat(flow.server().packets()).isEqualTo(2);
    }

    @Test
    void newSynAfterFinish_startsANewFlowOnTheSamePorts() throws Exception {
        Path file = capture("reuse.pcap",
                T0, fromClient(100, 0, SYN, 65535, 0),
                T0 + MS, fromServer(900, 0, RST | ACK, 0, 0),
                T0 + 10 * MS, fromClient(5000, 0, SYN, 65535, 0),
                T0 + 11 * MS, fromServer(7000, 5001, SYN | ACK, 65535, 0),
                T0 + 12 * MS, fromClient(5001, 7001, ACK, 512, 0),
                T0 + 13 * MS, fromServer(7001, 5001, ACK, 0, 0),    // zero window, then open again
                T0 + 513 * MS, fromServer(7001, 5001, ACK, 100, 0),
                T0 + 600 * MS, fromServer(7001, 5001, FIN | ACK, 100, 0));

        List<TcpFlow> flows = flows(file);

        assertThat(flows).extracting(TcpFlow::connState).containsExactly(ConnState.REJ, ConnState.S3);
        assertThat(flows.get(0).end()).isEqualTo(FlowEnd.PORT_REUSED);
        TcpFlow second = flows.get(1);
        assertThat(second.firstSynNanos()).isEqualTo(T0 + 10 * MS);
        assertThat(second.server().zeroWindowNanos()).isEqualTo(500 * MS);
        assertThat(second.server().zeroWindowEpisodes()).isEqualTo(1);
        assertThat(second.end()).isEqualTo(FlowEnd.END_OF_CAPTURE);
    }

    @Test
    void states_halfOpenAndMidstream() throws Exception {
        assertThat(single(flows(capture("sh.pcap",
                T0, fromClient(1, 0, SYN, 100, 0),
                T0 + MS, fromClient(2, 0, FIN, 100, 0)))).connState()).isEqualTo(ConnState.SH);
        assertThat(single(flows(capture("rstos0.pcap",
                T0, fromClient(1, 0, SYN, 100, 0),
                T0 + MS, fromClient(2, 0, RST, 0, 0)))).connState()).isEqualTo(ConnState.RSTOS0);
        TcpFlow rstrh = single(flows(capture("rstrh.pcap",
                T0, fromServer(1, 10, SYN | ACK, 100, 0),
                T0 + MS, fromServer(2, 10, RST, 0, 0))));
        assertThat(rstrh.connState()).isEqualTo(ConnState.RSTRH);
        assertThat(rstrh.clientPort()).as("the SYN/ACK's receiver is the client").isEqualTo(50000);
        assertThat(single(flows(capture("shr.pcap",
                T0, fromServer(1, 10, SYN | ACK, 100, 0),
                T0 + MS, fromServer(2, 10, FIN | ACK, 100, 0)))).connState()).isEqualTo(ConnState.SHR);
        TcpFlow midstream = single(flows(capture("oth.pcap",
                T0, fromServer(1, 10, ACK, 100, 50),
                T0 + MS, fromClient(10, 51, ACK, 100, 0))));
        assertThat(midstream.connState()).isEqualTo(ConnState.OTH);
        assertThat(midstream.clientPort()).as("no SYN: the first sender is the client").isEqualTo(80);
        assertThat(single(flows(capture("s2.pcap",
                T0, fromClient(1, 0, SYN, 100, 0),
                T0 + MS, fromServer(7, 2, SYN | ACK, 100, 0),
                T0 + 2 * MS, fromClient(2, 8, ACK, 100, 0),
                T0 + 3 * MS, fromClient(2, 8, FIN | ACK, 100, 0)))).connState()).isEqualTo(ConnState.S2);
        assertThat(single(flows(capture("s1.pcap",
                T0, fromClient(1, 0, SYN, 100, 0),
                T0 + MS, fromServer(7, 2, SYN | ACK, 100, 0),
                T0 + 2 * MS, fromClient(2, 8, ACK, 100, 0)))).connState()).isEqualTo(ConnState.S1);
    }

    @Test
    void idleFlowsLeaveTheTable() throws Exception {
        List<TcpFlow> reported = new ArrayList<>();
        FlowTracker tracker = new FlowTracker(reported::add, 5_000 * MS);
        Path file = capture("idle.pcap",
                T0, fromClient(1, 0, SYN, 100, 0),
                T0 + 10_000 * MS, ipv4Packet(CLIENT, SERVER, 6, 0, new byte[0], tcp(50001, 80, 1, 0, SYN, 100, new byte[0]), 0));
        try (CaptureReader reader = CaptureReader.open(file)) {
            PacketCursor p = new PacketCursor();
            while (reader.next(p)) {
                tracker.accept(p);
            }
        }
        assertThat(reported).hasSize(1);
        assertThat(reported.get(0).end()).isEqualTo(FlowEnd.IDLE);
        assertThat(tracker.openFlows()).isEqualTo(1);
    }

    private static TcpFlow single(List<TcpFlow> flows) {
        assertThat(flows).hasSize(1);
        return flows.get(0);
    }
}
