package io.socktrace.correlator.join;

import io.socktrace.correlator.capture.PacketCursor;
import io.socktrace.correlator.flow.TcpFlow;
import io.socktrace.correlator.jvm.JvmConnection;
import io.socktrace.events.EventNames;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds, for a packet read in a second pass over the capture, the joined connection it belongs
 * to and the Java call it happened during. The outputs that show packets (annotated pcapng,
 * packet events in JFR, the HTML timeline) use it; memory grows with the joined connections, not
 * with the capture.
 */
public final class PacketIndex {
    private final Correlation correlation;
    /** Joined connections with a flow, keyed by their two ports (lower port in the high half). */
    private final Map<Long, List<Correlation.Joined>> byPorts = new HashMap<>();

    private PacketIndex(Correlation correlation) {
        this.correlation = correlation;
        for (Correlation.Joined j : correlation.connections) {
            if (j.flow != null) {
                byPorts.computeIfAbsent(portKey(j.flow.clientPort(), j.flow.serverPort()), k -> new ArrayList<>(1)).add(j);
            }
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
        List<Correlation.Joined> candidates = byPorts.get(portKey(p.sourcePort(), p.destinationPort()));
        if (candidates == null) {
            return List.of();
        }
        long t = p.timestampNanos();
        List<Correlation.Joined> found = null;
        for (Correlation.Joined j : candidates) {
            TcpFlow f = j.flow;
            if (t >= f.firstPacketNanos() && t <= f.lastPacketNanos() && f.carries(p)) {
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
    public JvmConnection.Call callAt(Correlation.Joined j, long packetNanos) {
        long t = packetNanos - correlation.clockOffsetNanos;
        JvmConnection.Call during = null;
        JvmConnection.Call before = null;
        for (JvmConnection.Call call : j.connection.calls()) {
            if (call.is(EventNames.SOCKET_OPTION)) {
                continue; // setting an option moves no packet; "after SocketOption" would only hide the call that did
            }
            if (call.startNanos <= t && t <= call.endNanos()) {
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

    private static long portKey(int a, int b) {
        return a < b ? ((long) a << 32) | b : ((long) b << 32) | a;
    }
}
