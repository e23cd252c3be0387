package io.socktrace.correlator.join;

import io.socktrace.correlator.flow.TcpFlow;
import io.socktrace.correlator.jvm.JvmConnection;
import io.socktrace.correlator.jvm.RecordingSampling;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Joins flows as the {@link io.socktrace.correlator.flow.FlowTracker} finishes them, so that
 * only flows that belong to a JVM connection are kept: memory grows with the recording's
 * connections, not with the capture. Each connection keeps the flow with its 4-tuple whose
 * first packet is closest in time to the connection's first call (same host: the two clocks
 * agree to far better than the spacing of reused ports); a closer flow that arrives later
 * displaces it, and the displaced flow is offered to the other connections of that 4-tuple.
 * A flow can belong to a client and a server at once, when both ends were traced.
 */
public final class CorrelationBuilder {
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
    private RecordingSampling sampling = new RecordingSampling();
    /** With sampling on: ports of this JVM's listeners and of the endpoints it connected to. */
    private final Set<Integer> jvmPorts = new HashSet<>();
    private final Set<TcpFlow> possiblySampledOut = Collections.newSetFromMap(new IdentityHashMap<>());
    private long possiblySampledOutCount;

    /**
     * Which connections the recordings hold. With sampling on, a flow without a connection that
     * reached a listening port of the JVM or an endpoint it connected to, in the recordings' time
     * span, is counted as possibly sampled out rather than a stranger. Give it before the first
     * flow.
     */
    public void sampling(RecordingSampling sampling) {
        this.sampling = sampling;
        jvmPorts.clear();
        if (sampling.sampled()) {
            jvmPorts.addAll(sampling.listenerPorts());
            jvmPorts.addAll(sampling.remotePorts());
            for (JvmConnection c : jvm) {
                if (c.side() == JvmConnection.Side.LISTENER && c.localPort() > 0) {
                    jvmPorts.add(c.localPort());
                } else if (c.side() == JvmConnection.Side.CLIENT && c.remotePort() > 0) {
                    jvmPorts.add(c.remotePort());
                } else if (c.side() == JvmConnection.Side.SERVER && c.localPort() > 0) {
                    jvmPorts.add(c.localPort());
                }
            }
        }
    }

    /**
     * Packets of the capture whose TCP header could not be read (cut short by the snap length,
     * usually): a connection without packets may have had them among these, and says so.
     */
    public void undecodablePackets(long count) {
        undecodablePackets = count;
    }

    /** A builder joining flows to these connections (listeners and unknown sides are not joined). */
    public CorrelationBuilder(List<JvmConnection> jvm) {
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

    /**
     * Gives the flow to the connection of this side it suits best; true if one took it. A flow it
     * displaces looks for its own best place in turn, and so on down the chain; the last one that
     * finds none is unmatched if no other connection holds it. (A loop, not a recursion: the
     * recursive version inlined into itself and was the correlator's largest compilation.)
     */
    private boolean place(TcpFlow f, JvmConnection.Side side, List<Slot> candidates, List<Slot> portless) {
        Slot best = best(f, side, candidates, portless);
        if (best == null) {
            return false;
        }
        for (TcpFlow displaced = take(best, f); displaced != null; ) {
            int left = holders.merge(displaced, -1, Integer::sum);
            if (left == 0) {
                holders.remove(displaced);
            }
            Slot next = best(displaced, side, byPorts.get(TcpFlow.portKey(displaced.clientPort(), displaced.serverPort())),
                    byRemotePort.get(displaced.serverPort()));
            if (next == null) {
                if (left == 0) {
                    unmatched(displaced);
                }
                break;
            }
            displaced = take(next, displaced);
        }
        return true;
    }

    /** The slot of this side whose connection the flow suits best, taking a slot's flow only from a worse one; or null. */
    private static Slot best(TcpFlow f, JvmConnection.Side side, List<Slot> candidates, List<Slot> portless) {
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
                long distance = distance(s, f);
                if ((s.flow == null || distance < distance(s, s.flow)) && distance < bestDistance) {
                    best = s;
                    bestDistance = distance;
                }
            }
        }
        return best;
    }

    /** Puts the flow in the slot; returns the flow it held before, or null. */
    private TcpFlow take(Slot slot, TcpFlow f) {
        TcpFlow displaced = slot.flow;
        slot.flow = f;
        holders.merge(f, 1, Integer::sum);
        return displaced;
    }

    private static long distance(Slot s, TcpFlow f) {
        return Math.abs(f.firstPacketNanos() - s.firstNanos);
    }

    private void unmatched(TcpFlow f) {
        unmatchedCount++;
        boolean maybeOurs = mayBeSampledOut(f);
        if (maybeOurs) {
            possiblySampledOutCount++;
        }
        if (unmatched.size() < Correlation.UNMATCHED_LISTED) {
            unmatched.add(f);
            if (maybeOurs) {
                possiblySampledOut.add(f);
            }
        }
    }

    /** Slack around the recordings' time span: the capture's clock and the JVM's agree far better on one host. */
    private static final long SPAN_SLACK_NANOS = FindingRules.SKEW_LIMIT_NANOS;

    /**
     * A flow that sampling may have left without a connection: sampling was on, one of its ports is
     * a port of this JVM (a listener, or an endpoint it connected to), and it began while the JVM
     * was recording. A flow without a handshake has its ends guessed, so both ports are asked.
     */
    private boolean mayBeSampledOut(TcpFlow f) {
        if (jvmPorts.isEmpty()) {
            return false;
        }
        if (!jvmPorts.contains(f.serverPort()) && !jvmPorts.contains(f.clientPort())) {
            return false;
        }
        long first = f.firstPacketNanos();
        return first >= sampling.firstNanos() - SPAN_SLACK_NANOS && first <= sampling.lastNanos() + SPAN_SLACK_NANOS;
    }

    /** Measures the clock offset on the joined connects and explains every connection. */
    public Correlation build() {
        return build(TwoWorkers.WORTH_SPLITTING);
    }

    /** As {@link #build()}, explaining the connections in two halves at once from {@code splitFrom} of them (tests vary it). */
    Correlation build(int splitFrom) {
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
        Correlation result = new Correlation(offset, samples, unmatchedCount, recordings.size() > 1, sampling, possiblySampledOutCount,
                possiblySampledOut);
        java.util.Set<TcpFlow> acceptedFlows = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (Slot s : slots) {
            result.connections.add(new Correlation.Joined(s.connection, s.flow));
            if (s.flow != null && s.connection.side() == JvmConnection.Side.SERVER) {
                acceptedFlows.add(s.flow);
            }
        }
        List<JvmConnection> listeners = new ArrayList<>();
        for (JvmConnection c : jvm) {
            if (c.side() == JvmConnection.Side.LISTENER) {
                listeners.add(c);
            }
        }
        unmatched.sort(Comparator.comparingLong(TcpFlow::firstPacketNanos));
        result.unmatchedFlows.addAll(unmatched);
        FindingRules rules = new FindingRules(offset, listeners, acceptedFlows, undecodablePackets, sampling.sampled())
                .withConnections(result.connections.stream().map(j -> j.connection).collect(java.util.stream.Collectors.toList()));
        // each connection's findings depend on it, its flow and read-only context: two halves at once
        java.util.function.Consumer<List<Correlation.Joined>> explain = joined -> joined.forEach(rules::explain);
        if (result.connections.size() < splitFrom) {
            explain.accept(result.connections);
        } else {
            TwoWorkers.onHalves(result.connections, explain, explain);
        }
        // worst first, then by time; the keys are taken once per connection (firstNanos walks its
        // calls), not twice per comparison, and the stable sort gives the same order
        List<Ranked> ranked = new ArrayList<>(result.connections.size());
        for (Correlation.Joined j : result.connections) {
            ranked.add(new Ranked(j, FindingRules.severity(j), j.connection.firstNanos()));
        }
        ranked.sort(Comparator.comparingInt((Ranked r) -> r.severity).reversed().thenComparingLong(r -> r.firstNanos));
        for (int i = 0; i < ranked.size(); i++) {
            result.connections.set(i, ranked.get(i).joined);
        }
        return result;
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

    /** A joined connection and its sort keys, computed once. */
    private static final class Ranked {
        final Correlation.Joined joined;
        final int severity;
        final long firstNanos;

        Ranked(Correlation.Joined joined, int severity, long firstNanos) {
            this.joined = joined;
            this.severity = severity;
            this.firstNanos = firstNanos;
        }
    }

    /** A connection and the flow it holds so far. */
    private static final class Slot {
        final JvmConnection connection;
        /** The connection's first call, once: JvmConnection walks its calls for it, and a busy port asks for it per flow. */
        final long firstNanos;
        TcpFlow flow;

        Slot(JvmConnection connection) {
            this.connection = connection;
            this.firstNanos = connection.firstNanos();
        }
    }
}
