package io.socktrace.correlator.join;

import io.socktrace.correlator.capture.PacketCursor;
import io.socktrace.correlator.flow.PacketFacts;
import io.socktrace.correlator.flow.TcpFlow;
import io.socktrace.correlator.jvm.JvmConnection;
import io.socktrace.events.EventNames;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds, for a packet read in a second pass over the capture, the joined connection it belongs
 * to (or the listed flow without one) and the Java call it happened during or after. The outputs
 * that show packets (annotated pcapng, packet events in JFR, the HTML timeline) use it, so they
 * place a packet alike; memory grows with the joined connections, not with the capture.
 */
public final class PacketIndex {
    /**
     * How far a packet may fall before its connection's first call and still count as during it:
     * the clock offset is one estimate for all handshakes, so it can put a SYN a few microseconds
     * ahead of the connect that sent it.
     */
    public static final long CLOCK_TOLERANCE_NANOS = 1_000_000L;

    private final Correlation correlation;
    /** Joined connections with a flow, keyed by {@link TcpFlow#portKey}. */
    private final Map<Long, List<Correlation.Joined>> byPorts = new HashMap<>();
    /** Listed flows no JVM connection was joined to, keyed the same way. */
    private final Map<Long, List<TcpFlow>> unmatchedByPorts = new HashMap<>();

    private PacketIndex(Correlation correlation) {
        this.correlation = correlation;
        for (Correlation.Joined j : correlation.connections) {
            if (j.flow != null) {
                byPorts.computeIfAbsent(TcpFlow.portKey(j.flow.clientPort(), j.flow.serverPort()), k -> new ArrayList<>(1)).add(j);
            }
        }
        for (TcpFlow f : correlation.unmatchedFlows) {
            unmatchedByPorts.computeIfAbsent(TcpFlow.portKey(f.clientPort(), f.serverPort()), k -> new ArrayList<>(1)).add(f);
        }
    }

    /** Where a packet falls among its connection's calls: during {@link #call}, or after it. */
    public static final class Placement {
        public final JvmConnection.Call call;
        public final boolean during;

        Placement(JvmConnection.Call call, boolean during) {
            this.call = call;
            this.during = during;
        }

        /** "Send BROKEN_PIPE": the call's event and outcome. */
        public String callText() {
            return call.outcome == null ? call.event : call.event + " " + call.outcome;
        }
    }

    /** An index over the connections of {@code correlation} that were joined to a flow. */
    public static PacketIndex of(Correlation correlation) {
        return new PacketIndex(correlation);
    }

    /**
     * The joined connections this packet belongs to: none for a packet of another flow, two when
     * both ends of the connection were traced. The list is shared; do not keep or change it.
     */
    public List<Correlation.Joined> find(PacketCursor p) {
        List<Correlation.Joined> candidates = byPorts.get(TcpFlow.portKey(p.sourcePort(), p.destinationPort()));
        if (candidates == null) {
            return List.of();
        }
        List<Correlation.Joined> found = null;
        for (Correlation.Joined j : candidates) {
            if (holds(j.flow, p)) {
                if (found == null) {
                    found = candidates.size() == 1 ? candidates : new ArrayList<>(2);
                }
                if (found != candidates) {
                    found.add(j);
                }
            }
        }
        return found == null ? List.of() : found;
    }

    /**
     * The call of this connection that was under way when the packet crossed the wire (capture
     * time {@code packetNanos}, moved onto the JVM's clock with the estimated offset), or else the
     * last call that had ended by then (option changes skipped); null before the first call.
     */
    private JvmConnection.Call callAt(Correlation.Joined j, long packetNanos) {
        long t = packetNanos - correlation.clockOffsetNanos;
        JvmConnection.Call during = null;
        JvmConnection.Call before = null;
        for (JvmConnection.Call call : j.connection.calls()) {
            if (call.is(EventNames.SOCKET_OPTION)) {
                continue; // setting an option moves no packet; "after SocketOption" would only hide the call that did
            }
            if (spans(call, t)) {
                // the innermost (latest started) call that spans the packet
                if (during == null || call.startNanos >= during.startNanos) {
                    during = call;
                }
            } else if (call.endNanos() < t && (before == null || call.endNanos() >= before.endNanos())) {
                before = call;
            }
        }
        return during != null ? during : before;
    }

    /** The correlation this index was built on. */
    public Correlation correlation() {
        return correlation;
    }

    /**
     * Where the packet (capture time {@code packetNanos}) falls for this connection: during the
     * call {@link #callAt} finds under way, after the last one that had ended, or, up to
     * {@link #CLOCK_TOLERANCE_NANOS} before the first call, during that first call; null before.
     */
    public Placement place(Correlation.Joined j, long packetNanos) {
        long t = packetNanos - correlation.clockOffsetNanos;
        JvmConnection.Call call = callAt(j, packetNanos);
        if (call == null) {
            call = firstCall(j.connection);
            if (call == null || call.startNanos - t > CLOCK_TOLERANCE_NANOS) {
                return null;
            }
            return new Placement(call, true);
        }
        return new Placement(call, spans(call, t));
    }

    /** The call was under way at {@code t} (JVM clock), its first and last nanosecond included. */
    private static boolean spans(JvmConnection.Call call, long t) {
        return call.startNanos <= t && t <= call.endNanos();
    }

    private static JvmConnection.Call firstCall(JvmConnection c) {
        for (JvmConnection.Call call : c.calls()) {
            if (!call.is(EventNames.SOCKET_OPTION)) {
                return call;
            }
        }
        return null;
    }

    /**
     * The verdict bits ({@link PacketFacts}) on a packet of the joined connections {@link #find}
     * gave, 0 for none. Asked once: a packet of a connection traced at both ends belongs to two
     * joined connections but is one segment of one flow.
     */
    public static int verdict(PacketFacts.Replays verdicts, List<Correlation.Joined> found, PacketCursor p) {
        return found.isEmpty() ? 0 : verdicts.see(found.get(0).flow, p);
    }

    /** The listed flow without a JVM connection that this packet belongs to, or null. */
    public TcpFlow unmatchedFlow(PacketCursor p) {
        List<TcpFlow> candidates = unmatchedByPorts.get(TcpFlow.portKey(p.sourcePort(), p.destinationPort()));
        if (candidates != null) {
            for (TcpFlow f : candidates) {
                if (holds(f, p)) {
                    return f;
                }
            }
        }
        return null;
    }

    /** A flow's packets: its 4-tuple, from its first packet to its last (a reused 4-tuple is another flow). */
    private static boolean holds(TcpFlow f, PacketCursor p) {
        long t = p.timestampNanos();
        return t >= f.firstPacketNanos() && t <= f.lastPacketNanos() && f.carries(p);
    }
}
