package io.socktrace.correlator.flow;

import static io.socktrace.correlator.TestCaptures.ACK;
import static io.socktrace.correlator.TestCaptures.FIN;
import static io.socktrace.correlator.TestCaptures.PSH;
import static io.socktrace.correlator.TestCaptures.RST;
import static io.socktrace.correlator.TestCaptures.SYN;
import static io.socktrace.correlator.TestCaptures.ipv4;
import static io.socktrace.correlator.TestCaptures.ipv4Packet;
import static io.socktrace.correlator.TestCaptures.tcp;
import static io.socktrace.correlator.flow.PacketFacts.ADVERTISES_WINDOW;
import static io.socktrace.correlator.flow.PacketFacts.RETRANSMISSION;
import static io.socktrace.correlator.flow.PacketFacts.ZERO_WINDOW;
import static io.socktrace.correlator.flow.PacketFacts.ZERO_WINDOW_START;
import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.correlator.capture.PacketCursor;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The packet rules one segment at a time, with the cases the outputs used to disagree on. */
class PacketFactsTest {
    private static final int LINKTYPE_RAW = 101;
    private final PacketCursor cursor = new PacketCursor();

    private PacketCursor segment(int seq, int flags, int window, int payload) {
        byte[] bytes = ipv4Packet(ipv4("10.0.0.1"), ipv4("10.0.0.2"), 6, 0, new byte[0],
                tcp(40000, 80, seq, 1, flags, window, new byte[0]), payload);
        cursor.decode(LINKTYPE_RAW, ByteBuffer.wrap(bytes), 0);
        return cursor;
    }

    @Test
    void retransmission_isSequenceSpaceSentAgain_synAndFinIncluded() {
        PacketFacts.Sender client = new PacketFacts.Sender();
        assertThat(client.see(segment(100, SYN, 65535, 0))).isZero();
        assertThat(client.see(segment(100, SYN, 65535, 0))).as("the SYN again").isEqualTo(RETRANSMISSION);
        assertThat(client.see(segment(101, ACK, 512, 0)) & RETRANSMISSION).as("a pure ACK occupies nothing").isZero();
        assertThat(client.see(segment(101, PSH | ACK, 512, 10)) & RETRANSMISSION).isZero();
        assertThat(client.see(segment(101, PSH | ACK, 512, 10)) & RETRANSMISSION).as("data again").isNotZero();
        assertThat(client.see(segment(110, ACK, 512, 0)) & RETRANSMISSION).as("a keep-alive probe without payload").isZero();
        assertThat(client.see(segment(5000, RST, 0, 0))).as("a RST is never one").isZero();
        assertThat(client.see(segment(111, PSH | ACK, 512, 1)) & RETRANSMISSION).as("the RST did not move the sequence").isZero();
        assertThat(client.highestEnd()).isEqualTo(112);
        assertThat(client.see(segment(112, FIN | ACK, 512, 0)) & RETRANSMISSION).isZero();
        assertThat(client.see(segment(112, FIN | ACK, 512, 0)) & RETRANSMISSION).as("the FIN again").isNotZero();
    }

    @Test
    void retransmission_acrossTheSequenceWrap() {
        PacketFacts.Sender client = new PacketFacts.Sender();
        client.see(segment(-5, SYN, 65535, 0));
        assertThat(client.see(segment(-4, PSH | ACK, 512, 10)) & RETRANSMISSION).isZero(); // runs over 2^32
        assertThat(client.see(segment(6, PSH | ACK, 512, 5)) & RETRANSMISSION).isZero();
        assertThat(client.see(segment(-4, PSH | ACK, 512, 10)) & RETRANSMISSION).isNotZero();
        assertThat(client.highestEnd()).isEqualTo(11);
    }

    @Test
    void zeroWindow_onAckingSegmentsIncludingFin_notOnSynRstOrWithoutAck() {
        PacketFacts.Sender server = new PacketFacts.Sender();
        assertThat(server.see(segment(900, SYN | ACK, 0, 0))).as("a SYN's window is the unscaled first offer").isZero();
        assertThat(server.see(segment(901, ACK, 0, 0))).isEqualTo(ADVERTISES_WINDOW | ZERO_WINDOW | ZERO_WINDOW_START);
        assertThat(server.see(segment(901, ACK, 0, 0))).as("the same episode").isEqualTo(ADVERTISES_WINDOW | ZERO_WINDOW);
        assertThat(server.see(segment(901, ACK, 4096, 0))).as("open again").isEqualTo(ADVERTISES_WINDOW);
        assertThat(server.see(segment(901, FIN | ACK, 0, 0))).as("a FIN's window is an advertisement")
                .isEqualTo(ADVERTISES_WINDOW | ZERO_WINDOW | ZERO_WINDOW_START);
        assertThat(server.see(segment(902, RST | ACK, 0, 0))).as("a RST's window says nothing").isZero();
        assertThat(server.see(segment(902, PSH, 0, 5)) & (ADVERTISES_WINDOW | ZERO_WINDOW)).as("no ACK, no window").isZero();
        assertThat(PacketFacts.zeroWindow(segment(902, ACK, 0, 0))).isTrue();
        assertThat(PacketFacts.zeroWindow(segment(902, RST | ACK, 0, 0))).isFalse();
    }

    @Test
    void windowShift_onlyWhenBothSynsOfferedScaling_neverOnASyn() {
        TcpFlow flow = new TcpFlow(0, 1, 40000, 0, 2, 80);
        flow.client.windowScale = 7;
        assertThat(PacketFacts.windowShift(flow, true, ACK)).as("the server offered none").isEqualTo(-1);
        flow.server.windowScale = 0;
        assertThat(PacketFacts.windowShift(flow, true, ACK)).isEqualTo(7);
        assertThat(PacketFacts.windowShift(flow, false, ACK)).isZero();
        assertThat(PacketFacts.windowShift(flow, true, SYN | ACK)).isEqualTo(-1);
    }
}
