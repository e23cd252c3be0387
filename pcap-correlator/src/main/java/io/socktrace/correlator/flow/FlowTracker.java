package io.socktrace.correlator.flow;

import io.socktrace.correlator.capture.DecodingPipeline;
import io.socktrace.correlator.capture.PacketCursor;
import io.socktrace.correlator.capture.PacketKind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Rebuilds TCP flows from a stream of packets in capture order and hands each finished flow to a
 * sink, so memory grows with the number of concurrently open flows, not with the capture. A flow
 * leaves the table when it has finished (FIN both ways, or a RST) and stayed quiet for
 * {@link #FINISHED_LINGER_NANOS} (so the last ACK still lands in it), when it has been idle longer
 * than the idle timeout, when a new SYN reuses its 4-tuple after it finished or went idle, or at
 * {@link #finish()}. Looking a packet up allocates nothing; only a new flow allocates.
 */
public final class FlowTracker {
    /** Default idle timeout: a flow silent this long is reported, and a SYN on its 4-tuple opens a new one. */
    public static final long DEFAULT_IDLE_TIMEOUT_NANOS = 60_000_000_000L;
    /** How long a finished flow stays in the table to collect the last ACKs and retransmitted FINs. */
    public static final long FINISHED_LINGER_NANOS = 2_000_000_000L;
    private static final long SWEEP_INTERVAL_NANOS = 1_000_000_000L;

    private final Consumer<TcpFlow> sink;
    private final long idleTimeoutNanos;
    /**
     * The open flows in the order they are swept and reported: a HashMap's iteration order, which
     * the reports have always had (the flows joined, and which unmatched ones are listed, follow it).
     * Touched once per flow; {@link #index} answers the per-packet look-ups.
     */
    private final HashMap<FlowKey, TcpFlow> flows = new HashMap<>();
    private final FlowIndex index = new FlowIndex();
    private final boolean indexed;
    private final FlowKey probe = new FlowKey();
    private long nextSweepNanos = Long.MIN_VALUE;
    private long flowsReported;

    /** A tracker with the default idle timeout. */
    public FlowTracker(Consumer<TcpFlow> sink) {
        this(sink, DEFAULT_IDLE_TIMEOUT_NANOS);
    }

    /** A tracker reporting flows to {@code sink}, treating flows silent for {@code idleTimeoutNanos} as over. */
    public FlowTracker(Consumer<TcpFlow> sink, long idleTimeoutNanos) {
        this(sink, idleTimeoutNanos, true);
    }

    /**
     * As above; {@code indexed} false looks packets up in the {@link HashMap} as the tracker did
     * before {@link FlowIndex}: the straightforward path that tests hold the index to.
     */
    FlowTracker(Consumer<TcpFlow> sink, long idleTimeoutNanos, boolean indexed) {
        this.sink = sink;
        this.idleTimeoutNanos = idleTimeoutNanos;
        this.indexed = indexed;
    }

    /** Flows currently in the table. */
    public int openFlows() {
        return flows.size();
    }

    /** Flows handed to the sink so far. */
    public long flowsReported() {
        return flowsReported;
    }

    /**
     * Accounts every packet of a batch, in order. The loop is here, in a small method of its own,
     * rather than in the caller's: a hot loop inside a long method (the correlator's main one) is
     * compiled on stack with everything after it in that method, a second large compilation of
     * what this one holds.
     */
    public void accept(DecodingPipeline.Batch batch) {
        for (int i = 0, n = batch.size(); i < n; i++) {
            accept(batch.packet(i));
        }
    }

    /** Accounts one packet; packets that are not {@link PacketKind#TCP} are ignored. */
    public void accept(PacketCursor packet) {
        if (packet.kind() != PacketKind.TCP) {
            return;
        }
        long now = packet.timestampNanos();
        if (now >= nextSweepNanos) {
            if (nextSweepNanos != Long.MIN_VALUE) {
                sweep(now);
            }
            nextSweepNanos = now + SWEEP_INTERVAL_NANOS;
        }
        probe.set(packet);
        TcpFlow flow = indexed ? probe.lookUp(index) : flows.get(probe);
        boolean pureSyn = packet.has(PacketCursor.SYN) && !packet.has(PacketCursor.ACK);
        if (flow != null) {
            boolean idle = now - flow.lastPacketNanos > idleTimeoutNanos;
            if (pureSyn && (idle || flow.isFinished())) {
                forget(probe);
                report(flow, FlowEnd.PORT_REUSED);
                flow = null;
            } else if (idle) {
                forget(probe);
                report(flow, FlowEnd.IDLE);
                flow = null;
            }
        }
        if (flow == null) {
            flow = newFlow(packet);
            flows.put(probe.copy(), flow);
            probe.putInto(index, flow);
        }
        update(flow, packet, now);
    }

    /** Reports every flow still in the table (oldest first); call once at the end of the capture. */
    public void finish() {
        List<TcpFlow> remaining = new ArrayList<>(flows.values());
        flows.clear();
        index.clear();
        remaining.sort(Comparator.comparingLong(TcpFlow::firstPacketNanos));
        for (TcpFlow flow : remaining) {
            report(flow, flow.isFinished() ? FlowEnd.FINISHED : FlowEnd.END_OF_CAPTURE);
        }
    }

    private void sweep(long now) {
        for (Iterator<Map.Entry<FlowKey, TcpFlow>> it = flows.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<FlowKey, TcpFlow> entry = it.next();
            TcpFlow flow = entry.getValue();
            long quiet = now - flow.lastPacketNanos;
            if (flow.finished && quiet > FINISHED_LINGER_NANOS) {
                it.remove();
                entry.getKey().removeFrom(index);
                report(flow, FlowEnd.FINISHED);
            } else if (quiet > idleTimeoutNanos) {
                it.remove();
                entry.getKey().removeFrom(index);
                report(flow, FlowEnd.IDLE);
            }
        }
    }

    private void forget(FlowKey key) {
        flows.remove(key);
        key.removeFrom(index);
    }

    private void report(TcpFlow flow, FlowEnd end) {
        closeZeroWindow(flow.client, flow.lastPacketNanos);
        closeZeroWindow(flow.server, flow.lastPacketNanos);
        flow.end = end;
        flowsReported++;
        sink.accept(flow);
    }

    private static void closeZeroWindow(TcpFlow.Endpoint side, long at) {
        if (side.zeroWindowSince != TcpFlow.NONE) {
            side.zeroWindowNanos += at - side.zeroWindowSince;
            side.zeroWindowSince = TcpFlow.NONE;
        }
    }

    private static TcpFlow newFlow(PacketCursor p) {
        boolean synAck = p.has(PacketCursor.SYN | PacketCursor.ACK);
        if (synAck) { // we missed the SYN: the SYN/ACK's receiver is the client
            return new TcpFlow(p.destinationHigh(), p.destinationLow(), p.destinationPort(),
                    p.sourceHigh(), p.sourceLow(), p.sourcePort());
        }
        return new TcpFlow(p.sourceHigh(), p.sourceLow(), p.sourcePort(),
                p.destinationHigh(), p.destinationLow(), p.destinationPort());
    }

    private static void update(TcpFlow flow, PacketCursor p, long now) {
        boolean fromClient = flow.fromClient(p);
        TcpFlow.Endpoint sender = fromClient ? flow.client : flow.server;
        TcpFlow.Endpoint receiver = fromClient ? flow.server : flow.client;
        if (flow.firstPacketNanos == TcpFlow.NONE) {
            flow.firstPacketNanos = now;
        }
        flow.lastPacketNanos = Math.max(flow.lastPacketNanos, now);
        sender.packets++;
        sender.lastPacketNanos = now;
        receiver.packetsAtPeersLast = receiver.packets;
        boolean syn = p.has(PacketCursor.SYN);
        boolean ack = p.has(PacketCursor.ACK);
        boolean fin = p.has(PacketCursor.FIN);
        boolean rst = p.has(PacketCursor.RST);

        if (syn) {
            if (p.mss() != PacketCursor.ABSENT) {
                sender.mss = p.mss();
            }
            if (p.windowScale() != PacketCursor.ABSENT) {
                sender.windowScale = p.windowScale();
            }
            sender.sackPermitted |= p.sackPermitted();
            if (fromClient && !ack) {
                flow.synCount++;
                if (flow.firstSynNanos == TcpFlow.NONE) {
                    flow.firstSynNanos = now;
                }
                if (flow.synAckNanos == TcpFlow.NONE) {
                    flow.lastSynNanos = now;
                }
            } else if (!fromClient && ack && flow.synAckNanos == TcpFlow.NONE) {
                flow.synAckNanos = now;
            }
        } else if (fromClient && !rst) {
            if (ack && flow.handshakeAckNanos == TcpFlow.NONE && flow.synAckNanos != TcpFlow.NONE && flow.synCount > 0) {
                flow.handshakeAckNanos = now;
            }
            if ((ack || fin) && flow.client.rstNanos == TcpFlow.NONE) {
                flow.clientAckedOrFinishedBeforeReset = true;
            }
        }
        sender.sackBlocks += p.sackBlocks();
        sender.timestamps |= p.hasTimestamps();

        if (!rst) {
            if (ack) {
                acknowledge(sender, receiver, p.acknowledgement(), p.payloadLength() == 0 && !syn && !fin, now);
            }
            int highestBefore = sender.sent.highestEnd();
            int verdict = sender.sent.see(p);
            long sentBefore = sender.payloadBytes;
            countSequence(sender, receiver, p, syn, verdict, highestBefore, now);
            if (receiver.finNanos != TcpFlow.NONE) {
                sender.payloadAfterPeerFin += sender.payloadBytes - sentBefore;
            }
            if ((verdict & PacketFacts.ZERO_WINDOW) != 0) {
                sender.zeroWindowSegments++;
                if (sender.firstZeroWindowNanos == TcpFlow.NONE) {
                    sender.firstZeroWindowNanos = now;
                }
                sender.lastZeroWindowNanos = now;
                if ((verdict & PacketFacts.ZERO_WINDOW_START) != 0) {
                    sender.zeroWindowSince = now;
                    sender.zeroWindowEpisodes++;
                }
            } else if ((verdict & PacketFacts.ADVERTISES_WINDOW) != 0) {
                closeZeroWindow(sender, now);
            }
        }
        if (fin && sender.finNanos == TcpFlow.NONE) {
            sender.finNanos = now;
            flow.finished = flow.isFinished();
        }
        if (rst && sender.rstNanos == TcpFlow.NONE) {
            sender.rstNanos = now;
            flow.finished = true;
        }
    }

    /**
     * The sender acknowledges the receiver's data up to {@code ack}: once everything the receiver
     * sent is covered, its retransmission episode (if any) is over, and the first pure ACK
     * covering the receiver's latest data is when the sender's kernel took the request.
     */
    private static void acknowledge(TcpFlow.Endpoint sender, TcpFlow.Endpoint receiver, int ack, boolean pureAck, long now) {
        if (!receiver.sent.sequenceKnown() || ack - receiver.sent.highestEnd() < 0) {
            return;
        }
        receiver.unackedSinceNanos = TcpFlow.NONE;
        receiver.lastRetransmitNanos = TcpFlow.NONE;
        if (pureAck && sender.ackedPeerDataNanos == TcpFlow.NONE && receiver.lastNewDataNanos != TcpFlow.NONE) {
            sender.ackedPeerDataNanos = now;
        }
    }

    /**
     * Counts new and retransmitted payload ({@link PacketFacts} decides which), the time lost to
     * retransmissions, and the turn-taking delay: how long after the other side's last data this
     * side answered with data of its own. {@code highestBefore} is the sender's highest sequence
     * before this segment; sequence numbers wrap at 2^32, so differences are compared by sign.
     */
    private static void countSequence(TcpFlow.Endpoint sender, TcpFlow.Endpoint receiver, PacketCursor p, boolean syn,
            int verdict, int highestBefore, long now) {
        int length = p.payloadLength();
        boolean retransmission = (verdict & PacketFacts.RETRANSMISSION) != 0;
        if (retransmission) {
            sender.retransmissions++;
        }
        if (length == 0) {
            return;
        }
        if (retransmission) {
            // time lost: from the first send of the oldest unacknowledged data (or from the
            // previous retransmission of this episode) to this retransmission
            long since = sender.lastRetransmitNanos != TcpFlow.NONE ? sender.lastRetransmitNanos : sender.unackedSinceNanos;
            if (since != TcpFlow.NONE && now > since) {
                sender.retransmitWaitNanos += now - since;
            }
            sender.lastRetransmitNanos = now;
            sender.retransmittedSegments++;
            int fresh = p.sequence() + (syn ? 1 : 0) + length - highestBefore; // a retransmission's sender was known
            if (fresh > 0) {
                sender.payloadBytes += fresh;
                sender.retransmittedBytes += length - fresh;
            } else {
                sender.retransmittedBytes += length;
            }
        } else {
            sender.payloadBytes += length;
            newData(sender, receiver, now);
        }
    }

    private static void newData(TcpFlow.Endpoint sender, TcpFlow.Endpoint receiver, long now) {
        if (sender.unackedSinceNanos == TcpFlow.NONE) {
            sender.unackedSinceNanos = now;
        }
        if (receiver.lastNewDataNanos != TcpFlow.NONE
                && (sender.lastNewDataNanos == TcpFlow.NONE || receiver.lastNewDataNanos > sender.lastNewDataNanos)) {
            // this side's turn: it answers the other side's data
            long delay = now - receiver.lastNewDataNanos;
            if (delay > sender.slowestAnswerNanos) {
                sender.slowestAnswerNanos = delay;
                sender.slowestAnswerAckNanos = sender.ackedPeerDataNanos == TcpFlow.NONE ? TcpFlow.NONE
                        : sender.ackedPeerDataNanos - receiver.lastNewDataNanos;
                sender.slowestAnswerRetransmitted = receiver.retransmitWaitNanos > receiver.retransmitWaitAtNewData;
            }
        }
        sender.lastNewDataNanos = now;
        sender.retransmitWaitAtNewData = sender.retransmitWaitNanos;
        receiver.ackedPeerDataNanos = TcpFlow.NONE;
    }

    /** The unordered 4-tuple; one instance is reused for look-ups, copies are stored. */
    private static final class FlowKey {
        long aHigh;
        long aLow;
        int aPort;
        long bHigh;
        long bLow;
        int bPort;

        int hash;

        /** Takes the packet's tuple, in the order (and with the hash) the decoder found for it. */
        void set(PacketCursor p) {
            long sh = p.sourceHigh();
            long sl = p.sourceLow();
            int sp = p.sourcePort();
            long dh = p.destinationHigh();
            long dl = p.destinationLow();
            int dp = p.destinationPort();
            hash = p.tupleHash();
            if (p.sourceIsLower()) {
                aHigh = sh; aLow = sl; aPort = sp; bHigh = dh; bLow = dl; bPort = dp;
            } else {
                aHigh = dh; aLow = dl; aPort = dp; bHigh = sh; bLow = sl; bPort = sp;
            }
        }

        TcpFlow lookUp(FlowIndex index) {
            return index.get(hash, aHigh, aLow, aPort, bHigh, bLow, bPort);
        }

        void putInto(FlowIndex index, TcpFlow flow) {
            index.put(aHigh, aLow, aPort, bHigh, bLow, bPort, flow);
        }

        void removeFrom(FlowIndex index) {
            index.remove(aHigh, aLow, aPort, bHigh, bLow, bPort);
        }

        FlowKey copy() {
            FlowKey copy = new FlowKey();
            copy.aHigh = aHigh; copy.aLow = aLow; copy.aPort = aPort;
            copy.bHigh = bHigh; copy.bLow = bLow; copy.bPort = bPort;
            copy.hash = hash;
            return copy;
        }

        @Override
        public boolean equals(Object other) {
            if (!(other instanceof FlowKey)) {
                return false;
            }
            FlowKey k = (FlowKey) other;
            return aLow == k.aLow && bLow == k.bLow && aPort == k.aPort && bPort == k.bPort
                    && aHigh == k.aHigh && bHigh == k.bHigh;
        }

        @Override
        public int hashCode() {
            long h = aLow * 0x9E3779B97F4A7C15L + bLow;
            h = h * 0x9E3779B97F4A7C15L + aHigh + 31 * bHigh;
            h = h * 0x9E3779B97F4A7C15L + ((long) aPort << 16 | bPort);
            return (int) (h ^ (h >>> 32));
        }
    }
}
