package io.socktrace.correlator.join;

import io.socktrace.correlator.flow.TcpFlow;
import io.socktrace.correlator.jvm.JvmConnection;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Joins the JVM's connections to the captured TCP flows and states what happened to each, the
 * way a person reading the recording next to Wireshark would: by 4-tuple, with time deciding
 * between flows that reused the same ports, and with the clock offset between the two estimated
 * from handshakes (a connect's SYN leaves inside the connect call).
 */
public final class Correlation {

    /** Beyond this the two clocks are not trusted to order events across them. */
    static final long SKEW_LIMIT_NANOS = 1_000_000_000L;
    /** An accept this long after the handshake means the application was not keeping up. */
    static final long ACCEPT_DELAY_NANOS = 100_000_000L;
    /** Retransmissions that cost less than this (a fast retransmit on a LAN) are not worth a finding. */
    static final long RETRANSMIT_NANOS = 10_000_000L;
    /** A peer that takes this long to answer our data, after its kernel took it, is slow. */
    static final long PEER_SLOW_NANOS = 200_000_000L;
    /** A peer FIN answered this much later by ours is a CLOSE_WAIT worth naming. */
    static final long CLOSE_WAIT_NANOS = 1_000_000_000L;

    /** One JVM connection with its flow (or none) and findings. */
    public static final class Joined {
        public final JvmConnection connection;
        public final TcpFlow flow;
        public final List<Finding> findings = new ArrayList<>();

        Joined(JvmConnection connection, TcpFlow flow) {
            this.connection = connection;
            this.flow = flow;
        }
    }

    /** Most flows without a JVM connection listed by name; the rest are only counted. */
    public static final int UNMATCHED_LISTED = 1_000;

    public final List<Joined> connections = new ArrayList<>();
    private final List<JvmConnection> listeners = new ArrayList<>();
    private final Set<TcpFlow> acceptedFlows = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Flows without a JVM connection, the first {@link #UNMATCHED_LISTED} in capture order. */
    public final List<TcpFlow> unmatchedFlows = new ArrayList<>();
    /** All flows without a JVM connection, listed or not. */
    public final long unmatchedFlowCount;
    /** Capture time minus JVM time, estimated from handshakes; 0 when there was none to measure. */
    public final long clockOffsetNanos;
    public final int offsetSamples;
    /** Connections from more than one recording: their ids may repeat, so labels name the recording. */
    public final boolean severalRecordings;

    private long undecodablePackets;

    private Correlation(long clockOffsetNanos, int offsetSamples, long unmatchedFlowCount, boolean severalRecordings) {
        this.severalRecordings = severalRecordings;
        this.clockOffsetNanos = clockOffsetNanos;
        this.offsetSamples = offsetSamples;
        this.unmatchedFlowCount = unmatchedFlowCount;
    }

    /** Joins a complete list of flows; {@link Builder} does the same as flows finish. */
    public static Correlation of(List<JvmConnection> jvm, List<TcpFlow> flows) {
        Builder builder = new Builder(jvm);
        for (TcpFlow f : flows) {
            builder.offer(f);
        }
        return builder.build();
    }

    /**
     * Joins flows as the {@link io.socktrace.correlator.flow.FlowTracker} finishes them, so that
     * only flows that belong to a JVM connection are kept: memory grows with the recording's
     * connections, not with the capture. Each connection keeps the flow with its 4-tuple whose
     * first packet is closest in time to the connection's first call (same host: the two clocks
     * agree to far better than the spacing of reused ports); a closer flow that arrives later
     * displaces it, and the displaced flow is offered to the other connections of that 4-tuple.
     * A flow can belong to a client and a server at once, when both ends were traced.
     */
    public static final class Builder {
        private final List<JvmConnection> jvm;
        private final List<Slot> slots = new ArrayList<>();
        /** Clients and servers with a known local port, by their two ports. */
        private final Map<Long, List<Slot>> byPorts = new HashMap<>();
        /** Clients whose connect failed before a local port was known, by remote port. */
        private final Map<Integer, List<Slot>> byRemotePort = new HashMap<>();
        /** How many slots hold each flow (1 or 2). */
        private final Map<TcpFlow, Integer> holders = new IdentityHashMap<>();
        private final List<TcpFlow> unmatched = new ArrayList<>();
        private long unmatchedCount;
        private long undecodablePackets;

        /**
         * Packets of the capture whose TCP header could not be read (cut short by the snap length,
         * usually): a connection without packets may have had them among these, and says so.
         */
        public void undecodablePackets(long count) {
            undecodablePackets = count;
        }

        /** A builder joining flows to these connections (listeners and unknown sides are not joined). */
        public Builder(List<JvmConnection> jvm) {
            this.jvm = jvm;
            for (JvmConnection c : jvm) {
                if (c.side() == JvmConnection.Side.CLIENT || c.side() == JvmConnection.Side.SERVER) {
                    Slot slot = new Slot(c);
                    slots.add(slot);
                    if (c.side() == JvmConnection.Side.CLIENT && c.localPort() <= 0) {
                        byRemotePort.computeIfAbsent(c.remotePort(), k -> new ArrayList<>(1)).add(slot);
                    } else {
                        byPorts.computeIfAbsent(TcpFlow.portKey(c.localPort(), c.remotePort()), k -> new ArrayList<>(1)).add(slot);
                    }
                }
            }
        }

        /** Offers one finished flow; a {@code Consumer<TcpFlow>} for the flow tracker. */
        public void offer(TcpFlow f) {
            List<Slot> candidates = byPorts.get(TcpFlow.portKey(f.clientPort(), f.serverPort()));
            List<Slot> portless = byRemotePort.get(f.serverPort());
            boolean held = false;
            for (JvmConnection.Side side : SIDES) {
                held |= place(f, side, candidates, portless);
            }
            TcpFlow reversed = held ? null : f.reversed();
            if (reversed != null) {
                // no handshake in the capture (it began mid-connection): the first packet's sender
                // may be the server; a connection that knows its ends decides
                List<Slot> reversedCandidates = byPorts.get(TcpFlow.portKey(reversed.clientPort(), reversed.serverPort()));
                List<Slot> reversedPortless = byRemotePort.get(reversed.serverPort());
                for (JvmConnection.Side side : SIDES) {
                    held |= place(reversed, side, reversedCandidates, reversedPortless);
                }
            }
            if (!held) {
                unmatched(f);
            }
        }

        private static final JvmConnection.Side[] SIDES = {JvmConnection.Side.CLIENT, JvmConnection.Side.SERVER};

        /** Gives the flow to the connection of this side it suits best; true if one took it. */
        private boolean place(TcpFlow f, JvmConnection.Side side, List<Slot> candidates, List<Slot> portless) {
            Slot best = null;
            long bestDistance = Long.MAX_VALUE;
            for (int round = 0; round < 2; round++) {
                List<Slot> list = round == 0 ? candidates : portless;
                if (list == null) {
                    continue;
                }
                for (Slot s : list) {
                    if (s.connection.side() != side || !sameTuple(s.connection, f)) {
                        continue;
                    }
                    long distance = distance(s.connection, f);
                    if ((s.flow == null || distance < distance(s.connection, s.flow)) && distance < bestDistance) {
                        best = s;
                        bestDistance = distance;
                    }
                }
            }
            if (best == null) {
                return false;
            }
            TcpFlow displaced = best.flow;
            best.flow = f;
            holders.merge(f, 1, Integer::sum);
            if (displaced != null) {
                int left = holders.merge(displaced, -1, Integer::sum);
                if (left == 0) {
                    holders.remove(displaced);
                }
                boolean again = place(displaced, side, byPorts.get(TcpFlow.portKey(displaced.clientPort(), displaced.serverPort())),
                        byRemotePort.get(displaced.serverPort()));
                if (!again && left == 0) {
                    unmatched(displaced);
                }
            }
            return true;
        }

        private static long distance(JvmConnection c, TcpFlow f) {
            return Math.abs(f.firstPacketNanos() - c.firstNanos());
        }

        private void unmatched(TcpFlow f) {
            unmatchedCount++;
            if (unmatched.size() < UNMATCHED_LISTED) {
                unmatched.add(f);
            }
        }

        /** Measures the clock offset on the joined connects and explains every connection. */
        public Correlation build() {
            List<Long> latest = new ArrayList<>();
            List<Long> earliest = new ArrayList<>();
            for (Slot s : slots) {
                JvmConnection c = s.connection;
                if (s.flow != null && c.connect() != null && s.flow.firstSynNanos() != TcpFlow.NONE) {
                    // the first SYN left during its connect call: offset in [SYN - end, SYN - start]
                    latest.add(s.flow.firstSynNanos() - c.connect().startNanos);
                    earliest.add(s.flow.firstSynNanos() - c.connect().endNanos());
                }
            }
            long offset = offset(earliest, latest);
            int samples = latest.size();
            java.util.Set<String> recordings = new java.util.HashSet<>();
            for (JvmConnection c : jvm) {
                recordings.add(String.valueOf(c.recording()));
            }
            Correlation result = new Correlation(offset, samples, unmatchedCount, recordings.size() > 1);
            result.undecodablePackets = undecodablePackets;
            for (Slot s : slots) {
                result.connections.add(new Joined(s.connection, s.flow));
                if (s.flow != null && s.connection.side() == JvmConnection.Side.SERVER) {
                    result.acceptedFlows.add(s.flow);
                }
            }
            for (JvmConnection c : jvm) {
                if (c.side() == JvmConnection.Side.LISTENER) {
                    result.listeners.add(c);
                }
            }
            unmatched.sort(Comparator.comparingLong(TcpFlow::firstPacketNanos));
            result.unmatchedFlows.addAll(unmatched);
            for (Joined j : result.connections) {
                result.explain(j);
            }
            result.connections.sort(Comparator.comparingInt((Joined j) -> severity(j)).reversed()
                    .thenComparingLong(j -> j.connection.firstNanos()));
            return result;
        }
    }

    /** A connection and the flow it holds so far. */
    private static final class Slot {
        final JvmConnection connection;
        TcpFlow flow;

        Slot(JvmConnection connection) {
            this.connection = connection;
        }
    }

    /**
     * The capture clock minus the JVM clock that puts every handshake's first SYN inside its
     * connect call: each connect allows [SYN - end, SYN - start]; the estimate is the point of
     * their intersection nearest 0 (a capture on the same host reads the same clock), with the
     * outer 5 % of each bound left out against a stray handshake. A median of SYN - start, as
     * before, measured the connect's own latency (tens of microseconds) and put half the SYNs
     * before their connect call. Intervals that do not meet (clocks that drift apart) give the
     * middle of the gap.
     */
    static long offset(List<Long> earliest, List<Long> latest) {
        if (latest.isEmpty()) {
            return 0;
        }
        List<Long> lows = new ArrayList<>(earliest);
        List<Long> highs = new ArrayList<>(latest);
        Collections.sort(lows);
        Collections.sort(highs);
        int trim = lows.size() / 20;
        long low = lows.get(lows.size() - 1 - trim); // the latest "earliest possible" offset
        long high = highs.get(trim);                 // the earliest "latest possible" offset
        if (low <= high) {
            return Math.max(low, Math.min(high, 0));
        }
        return low + (high - low) / 2;
    }

    private static boolean sameTuple(JvmConnection c, TcpFlow f) {
        if (c.side() == JvmConnection.Side.CLIENT) {
            return f.serverPort() == c.remotePort() && c.remoteIs(f.serverHigh(), f.serverLow())
                    && (c.localPort() <= 0 || f.clientPort() == c.localPort()) && c.localIsOrUnknown(f.clientHigh(), f.clientLow())
                    && (c.localPort() > 0 || withinConnect(c, f));
        }
        return f.serverPort() == c.localPort() && f.clientPort() == c.remotePort() && c.remoteIs(f.clientHigh(), f.clientLow())
                && c.localIsOrUnknown(f.serverHigh(), f.serverLow());
    }

    /** Without a local port (a refused blocking connect), only a SYN during the connect call will do. */
    private static boolean withinConnect(JvmConnection c, TcpFlow f) {
        JvmConnection.Call connect = c.connect();
        return connect != null && f.firstSynNanos() != TcpFlow.NONE
                && f.firstSynNanos() >= connect.startNanos - 50_000_000L && f.firstSynNanos() <= connect.endNanos() + 50_000_000L;
    }

    private void explain(Joined j) {
        JvmConnection c = j.connection;
        TcpFlow f = j.flow;
        if (f == null) {
            j.findings.add(new Finding("NO_PACKETS", "no packets of this connection in the capture (another interface, a filter, "
                    + "or the capture did not run then)" + (undecodablePackets == 0 ? ""
                    : "; " + undecodablePackets + " packet" + (undecodablePackets == 1 ? "" : "s")
                    + " of the capture had no readable TCP header, cut short by a snap length too small for their headers"
                    + " (capture with -s 128 or more)?")));
            return;
        }
        TcpFlow.Endpoint us = c.side() == JvmConnection.Side.CLIENT ? f.client() : f.server();
        TcpFlow.Endpoint peer = c.side() == JvmConnection.Side.CLIENT ? f.server() : f.client();
        JvmConnection.Call connect = c.connect();
        if (connect != null && "REFUSED".equals(connect.outcome)) {
            String after = peer.rstNanos() != TcpFlow.NONE && f.firstSynNanos() != TcpFlow.NONE
                    ? " " + micros(peer.rstNanos() - f.lastSynNanos()) + " after the SYN" : "";
            j.findings.add(new Finding("REFUSED", "refused: RST/ACK" + after + "; the connect failed after "
                    + millis(connect.durationNanos) + " (" + f.connState() + ")"));
        }
        if (connect != null && "TIMED_OUT".equals(connect.outcome)) {
            j.findings.add(new Finding("SYN_TIMEOUT", f.synCount() + " SYN" + (f.synCount() == 1 ? "" : "s") + ", "
                    + (f.synAckNanos() == TcpFlow.NONE ? "no answer" : "answered late") + ", connect gave up after "
                    + millis(connect.durationNanos) + " (" + f.connState() + ")"));
        }
        JvmConnection.Call resetCall = first(c, "Reset");
        if (resetCall != null) {
            long rst = peer.rstNanos() == TcpFlow.NONE ? TcpFlow.NONE : peer.rstNanos() - clockOffsetNanos;
            boolean peerFinFirst = peer.finNanos() != TcpFlow.NONE && (rst == TcpFlow.NONE || peer.finNanos() <= peer.rstNanos());
            if ("BROKEN_PIPE".equals(resetCall.outcome) && peerFinFirst && us.payloadAfterPeerFin() > 0) {
                // only when the capture shows our data after the peer's FIN: a peer that closed with
                // our data unread resets too, and that is PEER_RESET
                j.findings.add(new Finding("WRITE_AFTER_PEER_CLOSE", "the peer closed (FIN), we wrote "
                        + us.payloadAfterPeerFin() + " bytes after it, the peer answered with RST, and a later write failed: broken pipe"));
            } else if (rst != TcpFlow.NONE) {
                j.findings.add(new Finding("PEER_RESET", "peer reset: RST arrived " + millis(resetCall.endNanos() - rst)
                        + " before the failed call returned"));
            } else if (us.rstNanos() != TcpFlow.NONE && !"ABORT".equals(c.closeInitiator())) {
                // no RST came from the peer: this host sent it (the kernel gave up on the connection,
                // a local firewall, or another thread's abortive close), not the server
                j.findings.add(new Finding("LOCAL_ABORT", "the app saw a reset but the RST was ours: it left this host "
                        + millis(resetCall.endNanos() - (us.rstNanos() - clockOffsetNanos)) + " before the failed call returned, "
                        + "and none came from the peer"));
            }
        }
        if ("ABORT".equals(c.closeInitiator()) && us.rstNanos() != TcpFlow.NONE) {
            long after = us.rstNanos() - clockOffsetNanos - c.close().startNanos;
            j.findings.add(new Finding("LOCAL_ABORT", "the RST was ours: closed with SO_LINGER 0 or with unread input, RST sent "
                    + (Math.abs(after) < 1_000_000L ? "at close()" : millis(after) + " after close()")));
        }
        boolean reset = us.rstNanos() != TcpFlow.NONE || peer.rstNanos() != TcpFlow.NONE;
        // A peer that half-closed (FIN, then waits for our answer) is answered, not left waiting:
        // the time in CLOSE_WAIT that counts is from our last data after its FIN to our FIN.
        boolean answered = us.payloadAfterPeerFin() > 0;
        long waitingSince = answered ? us.lastNewDataNanos() : peer.finNanos();
        if (!reset && peer.finNanos() != TcpFlow.NONE && (us.finNanos() == TcpFlow.NONE
                || us.finNanos() - waitingSince > CLOSE_WAIT_NANOS)) {
            j.findings.add(new Finding("CLOSE_WAIT", us.finNanos() == TcpFlow.NONE
                    ? "the peer closed (FIN) and ours never followed in the capture"
                    : answered ? "the peer half-closed (FIN), we answered, and our FIN followed our last data "
                            + millis(us.finNanos() - waitingSince) + " later"
                    : "the peer closed (FIN) and ours followed " + millis(us.finNanos() - peer.finNanos()) + " later"));
        }
        JvmConnection.Call timedOut = firstWithOutcome(c, "Receive", "TIMED_OUT");
        if (timedOut != null) {
            j.findings.add(new Finding("READ_TIMEOUT", "read timed out after " + millis(timedOut.durationNanos)
                    + "; the peer had sent " + peer.payloadBytes() + " bytes in all"));
        }
        JvmConnection.Call accept = c.accept();
        if (accept != null && f.handshakeAckNanos() != TcpFlow.NONE) {
            long delay = accept.endNanos() - (f.handshakeAckNanos() - clockOffsetNanos);
            if (delay > ACCEPT_DELAY_NANOS) {
                j.findings.add(new Finding("ACCEPT_DELAY", "the server accepted " + millis(delay)
                        + " after the handshake completed: the connection waited in the accept queue"));
            }
        }
        if (c.side() == JvmConnection.Side.CLIENT && f.handshakeAckNanos() != TcpFlow.NONE && !acceptedFlows.contains(f)
                && listensOn(f.serverPort())) {
            j.findings.add(new Finding("NOT_ACCEPTED", "the handshake completed but the listening application never "
                    + "accepted the connection; the client sent " + us.payloadBytes() + " bytes into the accept queue"));
        }
        if (peer.zeroWindowNanos() > 0) {
            long blocked = 0;
            for (JvmConnection.Call call : c.calls()) {
                if (call.event.equals("Send") && call.endNanos() >= peer.firstZeroWindowNanos() - clockOffsetNanos
                        && call.startNanos <= peer.lastZeroWindowNanos() - clockOffsetNanos) {
                    blocked = Math.max(blocked, call.durationNanos);
                }
            }
            j.findings.add(new Finding("ZERO_WINDOW", (blocked > 0 ? "send blocked " + millis(blocked) + " while " : "")
                    + "the peer advertised a zero window for " + millis(peer.zeroWindowNanos())
                    + " (" + peer.zeroWindowEpisodes() + " time" + (peer.zeroWindowEpisodes() == 1 ? "" : "s") + "): it was not reading"));
        }
        retransmissions(j, us, peer);
        if (c.side() == JvmConnection.Side.CLIENT && peer.slowestAnswerNanos() >= PEER_SLOW_NANOS && !peer.slowestAnswerRetransmitted()) {
            long longestRead = 0;
            for (JvmConnection.Call call : c.calls()) {
                if (call.event.equals("Receive")) {
                    longestRead = Math.max(longestRead, call.durationNanos);
                }
            }
            j.findings.add(new Finding("PEER_SLOW", (peer.slowestAnswerAckNanos() == TcpFlow.NONE ? "the peer"
                    : "the peer's kernel acknowledged our data after " + micros(peer.slowestAnswerAckNanos()) + ", but the application")
                    + " answered " + millis(peer.slowestAnswerNanos()) + " after it, with no packet lost"
                    + (longestRead > 0 ? "; the longest read here waited " + millis(longestRead) : "")));
        }
        if (Math.abs(clockOffsetNanos) > SKEW_LIMIT_NANOS) {
            j.findings.add(new Finding("CLOCK_SKEW", "capture and recording clocks differ by " + millis(clockOffsetNanos)));
        }
    }

    /** RETRANSMISSION: SYNs or data sent again, and the time the connection lost waiting for them. */
    private static void retransmissions(Joined j, TcpFlow.Endpoint us, TcpFlow.Endpoint peer) {
        TcpFlow f = j.flow;
        JvmConnection.Call connect = j.connection.connect();
        List<String> parts = new ArrayList<>(3);
        if (f.synCount() > 1 && f.synAckNanos() != TcpFlow.NONE && (connect == null || "CONNECTED".equals(connect.outcome))) {
            parts.add("the SYN was sent " + f.synCount() + " times, " + millis(f.lastSynNanos() - f.firstSynNanos())
                    + " lost before the handshake");
        }
        if (us.retransmittedSegments() > 0 && us.retransmitWaitNanos() >= RETRANSMIT_NANOS) {
            parts.add("we sent " + segments(us) + " again, " + millis(us.retransmitWaitNanos()) + " lost waiting");
        }
        if (peer.retransmittedSegments() > 0 && peer.retransmitWaitNanos() >= RETRANSMIT_NANOS) {
            parts.add("the peer sent " + segments(peer) + " again, " + millis(peer.retransmitWaitNanos()) + " lost waiting");
        }
        if (!parts.isEmpty()) {
            j.findings.add(new Finding("RETRANSMISSION", String.join("; ", parts) + " (lost on the way or dropped by the receiver)"));
        }
    }

    private static String segments(TcpFlow.Endpoint e) {
        return e.retransmittedSegments() + " segment" + (e.retransmittedSegments() == 1 ? "" : "s") + " (" + e.retransmittedBytes() + " B)";
    }

    private boolean listensOn(int port) {
        for (JvmConnection l : listeners) {
            if (l.localPort() == port) {
                return true;
            }
        }
        return false;
    }

    private static JvmConnection.Call first(JvmConnection c, String event) {
        for (JvmConnection.Call call : c.calls()) {
            if (call.event.equals(event)) {
                return call;
            }
        }
        return null;
    }

    private static JvmConnection.Call firstWithOutcome(JvmConnection c, String event, String outcome) {
        for (JvmConnection.Call call : c.calls()) {
            if (call.event.equals(event) && outcome.equals(call.outcome)) {
                return call;
            }
        }
        return null;
    }

    private static int severity(Joined j) {
        if (j.flow == null) {
            return 1;
        }
        return j.findings.isEmpty() ? 0 : 2 + j.findings.size();
    }

    static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
    }

    static String micros(long nanos) {
        return String.format(Locale.ROOT, "%d µs", nanos / 1000);
    }

    /** How a connection is named in reports: its id, prefixed by its recording when there are several ("reset/9"). */
    public String label(JvmConnection c) {
        return severalRecordings && c.recording() != null ? c.recording() + "/" + c.connectionId() : Long.toString(c.connectionId());
    }

    /** The text report: summary first, then one block per connection, worst first. */
    public String report() {
        StringBuilder b = new StringBuilder();
        java.util.Map<String, Integer> counts = new java.util.TreeMap<>();
        for (Joined j : connections) {
            for (Finding f : j.findings) {
                counts.merge(f.code, 1, Integer::sum);
            }
        }
        b.append("connections ").append(connections.size()).append(", flows without a JVM connection ")
                .append(unmatchedFlows.size()).append(", clock offset ").append(millis(clockOffsetNanos))
                .append(" (from ").append(offsetSamples).append(" handshakes)\n");
        b.append("findings: ").append(counts.isEmpty() ? "none" : counts.toString()).append('\n');
        for (Joined j : connections) {
            JvmConnection c = j.connection;
            b.append('\n').append("connection ").append(label(c)).append(' ').append(c.side().name().toLowerCase(Locale.ROOT))
                    .append(' ').append(c.localEndpoint()).append(" -> ").append(c.remoteEndpoint());
            if (j.flow != null) {
                b.append("  wire: ").append(j.flow.connState()).append(", ").append(j.flow.client().packets() + j.flow.server().packets())
                        .append(" packets");
            }
            if (c.thread() != null) {
                b.append("  [").append(printable(c.thread())).append(']');
            }
            b.append('\n');
            for (Finding f : j.findings) {
                b.append("  ").append(printable(f.toString())).append('\n');
            }
        }
        if (unmatchedFlowCount > 0) {
            b.append("\nflows without a JVM connection: ").append(unmatchedFlowCount);
            if (unmatchedFlowCount > unmatchedFlows.size()) {
                b.append(" (the first ").append(unmatchedFlows.size()).append(" listed)");
            }
            b.append('\n');
            for (TcpFlow f : unmatchedFlows) {
                b.append("  ").append(f.describe()).append('\n');
            }
        }
        return b.toString();
    }

    /**
     * Text from the application (thread names, exception messages) on one line: control
     * characters written as Java escapes (a newline as backslash-n, ESC as backslash-u001b), so
     * that a name cannot break the report's layout or drive the terminal.
     */
    static String printable(String text) {
        StringBuilder b = null;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch >= 0x20 && ch != 0x7f) {
                if (b != null) {
                    b.append(ch);
                }
                continue;
            }
            if (b == null) {
                b = new StringBuilder(text.length() + 8).append(text, 0, i);
            }
            b.append(ch == '\n' ? "\\n" : ch == '\r' ? "\\r" : ch == '\t' ? "\\t" : String.format(Locale.ROOT, "\\u%04x", (int) ch));
        }
        return b == null ? text : b.toString();
    }
}
