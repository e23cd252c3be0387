package io.socktrace.correlator.report;

import io.socktrace.correlator.capture.PacketCursor;
import io.socktrace.correlator.flow.PacketFacts;
import io.socktrace.correlator.flow.TcpFlow;
import io.socktrace.correlator.join.Correlation;
import io.socktrace.correlator.join.PacketIndex;
import io.socktrace.correlator.jvm.JvmConnection;
import io.socktrace.events.EventNames;
import io.socktrace.runtime.AcceptOutcome;
import io.socktrace.runtime.CloseInitiator;
import io.socktrace.runtime.ConnectOutcome;
import io.socktrace.runtime.ReceiveOutcome;
import io.socktrace.runtime.SendOutcome;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One connection's lane of the {@link HtmlTimeline}, gathered in the second pass over the capture:
 * how each packet is marked (direction, {@link PacketFacts}' verdicts, during or after which call),
 * which packets are kept when there are too many (the first {@link #HEAD_PACKETS}, the last
 * {@link #TAIL_PACKETS}, and the SYN, FIN, RST and zero-window ones between, up to
 * {@link #MIDDLE_PACKETS}), and which calls count as failed. The page only draws what this says.
 */
final class TimelineLane {

    /** Most packets drawn for one connection. */
    static final int MAX_PACKETS_PER_LANE = 2000;
    static final int HEAD_PACKETS = 1000;
    static final int TAIL_PACKETS = 500;
    static final int MIDDLE_PACKETS = MAX_PACKETS_PER_LANE - HEAD_PACKETS - TAIL_PACKETS;

    /** Bits above the TCP flags in a packet's {@code bits} field of the embedded JSON. */
    static final int FROM_PEER = 1 << 8;
    static final int DURING_CALL = 1 << 9;
    static final int RETRANSMISSION = 1 << 10;
    static final int ZERO_WINDOW = 1 << 11;
    /** The packet advertises a window ({@link PacketFacts#advertisesWindow}): it opens or closes a zero-window band. */
    static final int ADVERTISES_WINDOW = 1 << 12;

    /** Outcomes (and Close initiators) that are not a failure of the call. */
    private static final Set<String> FINE = Set.of(ConnectOutcome.CONNECTED.name(), AcceptOutcome.ACCEPTED.name(),
            ReceiveOutcome.OK.name(), ReceiveOutcome.EOF.name(), SendOutcome.PARTIAL.name(), SendOutcome.WOULD_BLOCK.name(),
            CloseInitiator.LOCAL.name(), CloseInitiator.PEER.name(), CloseInitiator.AFTER_ERROR.name());
    /** Events that are a problem by themselves, whatever their fields say. */
    private static final Set<String> ALWAYS_FAILED = Set.of(EventNames.simpleName(EventNames.RESET),
            EventNames.simpleName(EventNames.CLOSE_WAIT_LEAK), EventNames.simpleName(EventNames.LEAK));

    final Correlation.Joined joined;
    final long offset;
    final Map<JvmConnection.Call, Integer> callIndex = new IdentityHashMap<>();
    final List<Packet> head = new ArrayList<>();
    final List<Packet> middle = new ArrayList<>();
    final ArrayDeque<Packet> tail = new ArrayDeque<>();
    long total;
    long omitted;
    long omittedFrom = Long.MAX_VALUE;
    long omittedTo = Long.MIN_VALUE;
    /** Per direction (0 this JVM, 1 the peer): first sequence number. */
    final long[] isn = {-1, -1};

    TimelineLane(Correlation.Joined joined, long offset) {
        this.joined = joined;
        this.offset = offset;
        List<JvmConnection.Call> calls = joined.connection.calls();
        for (int i = 0; i < calls.size(); i++) {
            callIndex.put(calls.get(i), i);
        }
    }

    void add(PacketCursor p, PacketIndex.Placement placement, int verdict) {
        total++;
        TcpFlow f = joined.flow;
        boolean weAreClient = joined.connection.side() != JvmConnection.Side.SERVER;
        int dir = f.fromClient(p) == weAreClient ? 0 : 1;
        int flags = p.tcpFlags() & 0xff;
        long seq = p.sequence() & 0xffffffffL;
        long ack = p.acknowledgement() & 0xffffffffL;
        if (isn[dir] < 0) {
            isn[dir] = seq;
        }
        if ((flags & PacketCursor.ACK) != 0 && isn[1 - dir] < 0) {
            isn[1 - dir] = ack; // the other side not seen yet: its sequence space starts at what we acknowledge
        }
        int bits = flags | (dir == 1 ? FROM_PEER : 0);
        bits |= (verdict & PacketFacts.RETRANSMISSION) != 0 ? RETRANSMISSION : 0;
        bits |= (verdict & PacketFacts.ZERO_WINDOW) != 0 ? ZERO_WINDOW : 0;
        bits |= (verdict & PacketFacts.ADVERTISES_WINDOW) != 0 ? ADVERTISES_WINDOW : 0;
        int callNumber = -1;
        if (placement != null) {
            callNumber = callIndex.getOrDefault(placement.call, -1);
            bits |= placement.during ? DURING_CALL : 0;
        }
        Packet packet = new Packet(p.timestampNanos(), bits, (seq - isn[dir]) & 0xffffffffL,
                (ack - isn[1 - dir]) & 0xffffffffL, p.payloadLength(), p.window(), callNumber);
        if (head.size() < HEAD_PACKETS) {
            head.add(packet);
            return;
        }
        boolean special = (flags & (PacketCursor.SYN | PacketCursor.FIN | PacketCursor.RST)) != 0 || (bits & ZERO_WINDOW) != 0;
        if (special && middle.size() < MIDDLE_PACKETS) {
            middle.add(packet);
            return;
        }
        tail.addLast(packet);
        if (tail.size() > TAIL_PACKETS) {
            Packet dropped = tail.removeFirst();
            omitted++;
            omittedFrom = Math.min(omittedFrom, dropped.nanos);
            omittedTo = Math.max(omittedTo, dropped.nanos);
        }
    }

    /** The packets kept, in capture order. */
    List<Packet> packets() {
        List<Packet> all = new ArrayList<>(head.size() + middle.size() + tail.size());
        all.addAll(head);
        all.addAll(middle);
        all.addAll(tail);
        all.sort(Comparator.comparingLong(packet -> packet.nanos));
        return all;
    }

    /** Earliest time of the lane on the capture clock (calls shifted), packets included. */
    long first() {
        long first = joined.connection.calls().isEmpty() ? Long.MAX_VALUE : joined.connection.firstNanos() + offset;
        first = joined.flow == null ? first : Math.min(first, joined.flow.firstPacketNanos());
        return first == Long.MAX_VALUE ? 0 : first; // nothing recorded and no packets: an empty lane at the start
    }

    long last() {
        long last = joined.connection.calls().isEmpty() ? Long.MIN_VALUE : joined.connection.lastNanos() + offset;
        last = joined.flow == null ? last : Math.max(last, joined.flow.lastPacketNanos());
        return last == Long.MIN_VALUE ? first() : last;
    }

    /** One packet as drawn; sequence numbers relative to each side's first. */
    static final class Packet {
        final long nanos;
        final int bits;
        final long seq;
        final long ack;
        final int length;
        final int window;
        final int call;

        Packet(long nanos, int bits, long seq, long ack, int length, int window, int call) {
            this.nanos = nanos;
            this.bits = bits;
            this.seq = seq;
            this.ack = ack;
            this.length = length;
            this.window = window;
            this.call = call;
        }
    }

    static boolean failed(JvmConnection.Call call) {
        return !call.handledByJdk && (ALWAYS_FAILED.contains(call.event) || (call.outcome != null && !FINE.contains(call.outcome)));
    }
}
