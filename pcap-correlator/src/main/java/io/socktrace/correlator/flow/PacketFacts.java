package io.socktrace.correlator.flow;

import io.socktrace.correlator.capture.PacketCursor;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The verdicts on one TCP segment that the correlator reports: is it a retransmission, does it
 * advertise a zero window, does it start a zero-window episode. Every output asks here: the
 * {@link FlowTracker} (whose counts feed the findings, the text report and the JSON), the
 * timeline, the annotated pcapng and the JFR packet events, so a packet gets one verdict
 * everywhere. The second-pass outputs replay a flow's packets through a {@link Sender} per side
 * ({@link Replays}) exactly as the tracker did; a flow's packets are the same set in both passes (its 4-tuple
 * between its first and last packet).
 *
 * <p><b>Zero window.</b> A segment advertises a window when it carries ACK and neither SYN nor
 * RST. RFC 9293 (3.10.7.4) takes the window into the send window only in the ACK step, and drops a
 * synchronized-state segment without ACK before it; a RST is handled before that step and aborts
 * (Linux sends its RSTs with window 0 whatever its buffer holds); a SYN's window is the initial
 * offer, never scaled (RFC 7323 2.2), sent before any data could have filled a buffer, so 0 there
 * is no receiver that stopped reading. A FIN with ACK is an ordinary advertisement: a side that
 * half-closes with a full buffer still keeps its peer from sending, so a zero window on a FIN is
 * a zero window (the JFR packet writer used to leave FINs out; the tracker and the other outputs
 * counted them). An episode starts at the first zero advertisement after an open one (or the
 * side's first advertisement) and ends at the next non-zero advertisement.
 *
 * <p><b>Retransmission.</b> A segment is a retransmission when it occupies sequence space (payload,
 * SYN and FIN each take sequence numbers) and starts below the highest sequence number its sender
 * had already used: it sends again something sent before. So a repeated SYN or SYN/ACK (the same
 * initial sequence number again) and a repeated FIN are retransmissions, like resent data; a pure
 * ACK, a window update or a probe without payload occupies nothing and never is; a RST is never
 * one and does not move the sequence (its number answers the peer, it is not the sender's data).
 * Sequence numbers wrap at 2^32: comparisons use the sign of the 32-bit difference.
 */
public final class PacketFacts {
    /** The segment resends sequence space its sender had used before. */
    public static final int RETRANSMISSION = 1;
    /** The segment advertises a receive window (ACK set, SYN and RST clear). */
    public static final int ADVERTISES_WINDOW = 1 << 1;
    /** The segment advertises a zero receive window. */
    public static final int ZERO_WINDOW = 1 << 2;
    /** The first zero-window advertisement of an episode. */
    public static final int ZERO_WINDOW_START = 1 << 3;

    private PacketFacts() {
    }

    /** Whether a segment with these TCP flags advertises a receive window; see the class comment. */
    public static boolean advertisesWindow(int flags) {
        return (flags & PacketCursor.ACK) != 0 && (flags & (PacketCursor.SYN | PacketCursor.RST)) == 0;
    }

    /** Whether the segment advertises a zero window: a verdict that needs no memory of the flow. */
    public static boolean zeroWindow(PacketCursor p) {
        return advertisesWindow(p.tcpFlags()) && p.window() == 0;
    }

    /**
     * The shift that turns the raw window of a segment from the client (or the server) into bytes,
     * or -1 when the window is not scaled: scaling is on only when both SYNs offered it (RFC 7323),
     * and never applies to a SYN's own window.
     */
    public static int windowShift(TcpFlow flow, boolean fromClient, int flags) {
        if ((flags & PacketCursor.SYN) != 0 || flow.client().windowScale() == PacketCursor.ABSENT
                || flow.server().windowScale() == PacketCursor.ABSENT) {
            return -1;
        }
        return (fromClient ? flow.client() : flow.server()).windowScale();
    }

    /**
     * What one side of a flow has sent, as far as the verdicts need to remember it: the highest
     * sequence number used and whether its window is closed. Feed it that side's segments in
     * capture order.
     */
    public static final class Sender {
        private boolean sequenceKnown;
        private int highestEnd;
        private boolean windowZero;

        /** True once a segment (other than a RST) of this side was seen. */
        public boolean sequenceKnown() {
            return sequenceKnown;
        }

        /** One past the highest sequence number this side has used (valid when {@link #sequenceKnown}). */
        public int highestEnd() {
            return highestEnd;
        }

        /** The verdict bits on this side's next segment; remembers what it sent. */
        public int see(PacketCursor p) {
            int flags = p.tcpFlags();
            if ((flags & PacketCursor.RST) != 0) {
                return 0;
            }
            boolean syn = (flags & PacketCursor.SYN) != 0;
            boolean fin = (flags & PacketCursor.FIN) != 0;
            int length = p.payloadLength();
            int start = p.sequence();
            int end = start + length + (syn ? 1 : 0) + (fin ? 1 : 0);
            int verdict = 0;
            if (sequenceKnown && (length > 0 || syn || fin) && start - highestEnd < 0) {
                verdict |= RETRANSMISSION;
            }
            if (!sequenceKnown || end - highestEnd > 0) {
                highestEnd = end;
                sequenceKnown = true;
            }
            if (advertisesWindow(flags)) {
                verdict |= ADVERTISES_WINDOW;
                if (zeroWindow(p)) {
                    verdict |= windowZero ? ZERO_WINDOW : ZERO_WINDOW | ZERO_WINDOW_START;
                    windowZero = true;
                } else {
                    windowZero = false;
                }
            }
            return verdict;
        }
    }

    /** Both sides of one flow, for an output that replays the flow's packets. */
    private static final class Replay {
        private final TcpFlow flow;
        private final Sender client = new Sender();
        private final Sender server = new Sender();

        Replay(TcpFlow flow) {
            this.flow = flow;
        }

        /** The verdict bits on the flow's next packet (one the flow {@link TcpFlow#carries}). */
        int see(PacketCursor p) {
            return (flow.fromClient(p) ? client : server).see(p);
        }
    }

    /**
     * One {@link Replay} per flow, for an output that reads a capture again. Ask once per packet
     * and flow: each call counts as the flow's next packet.
     */
    public static final class Replays {
        private final Map<TcpFlow, Replay> byFlow = new IdentityHashMap<>();

        /** The verdict bits on the next packet of {@code flow}. */
        public int see(TcpFlow flow, PacketCursor p) {
            return byFlow.computeIfAbsent(flow, Replay::new).see(p);
        }
    }
}
