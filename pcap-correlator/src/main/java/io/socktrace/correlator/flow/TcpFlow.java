package io.socktrace.correlator.flow;

import io.socktrace.correlator.capture.Addresses;
import io.socktrace.correlator.capture.PacketCursor;

/**
 * One TCP connection as rebuilt from a capture by {@link FlowTracker}: who opened it, the
 * handshake, data and retransmissions each way, zero windows, FIN and RST, and the Zeek
 * {@link ConnState}. The client is the sender of the first SYN (without ACK) if one was seen,
 * else the receiver of a SYN/ACK, else the sender of the first packet. Times are epoch
 * nanoseconds; {@link #NONE} marks a time that was not seen.
 */
public final class TcpFlow {
    /** Value of a time or duration that was not observed. */
    public static final long NONE = Long.MIN_VALUE;

    final long clientHigh;
    final long clientLow;
    final int clientPort;
    final long serverHigh;
    final long serverLow;
    final int serverPort;
    final Endpoint client;
    final Endpoint server;

    long firstPacketNanos = NONE;
    long lastPacketNanos = NONE;
    long firstSynNanos = NONE;
    long lastSynNanos = NONE;
    int synCount;
    long synAckNanos = NONE;
    long handshakeAckNanos = NONE;
    boolean clientAckedOrFinishedBeforeReset;
    /** {@link #isFinished()} as of the last packet, kept by the tracker: its sweep then reads this object only. */
    boolean finished;
    FlowEnd end;

    TcpFlow(long clientHigh, long clientLow, int clientPort, long serverHigh, long serverLow, int serverPort) {
        this(clientHigh, clientLow, clientPort, serverHigh, serverLow, serverPort, new Endpoint(), new Endpoint());
    }

    private TcpFlow(long clientHigh, long clientLow, int clientPort, long serverHigh, long serverLow, int serverPort,
                    Endpoint client, Endpoint server) {
        this.client = client;
        this.server = server;
        this.clientHigh = clientHigh;
        this.clientLow = clientLow;
        this.clientPort = clientPort;
        this.serverHigh = serverHigh;
        this.serverLow = serverLow;
        this.serverPort = serverPort;
    }

    /** Client address in text form (IPv4 dotted, IPv6 RFC 5952). */
    public String clientAddress() {
        return Addresses.format(clientHigh, clientLow);
    }

    /** Upper 64 bits of the client's address (IPv4 as {@code ::ffff:a.b.c.d}): for comparing without text. */
    public long clientHigh() {
        return clientHigh;
    }

    /** Lower 64 bits of the client's address. */
    public long clientLow() {
        return clientLow;
    }

    /** Client port. */
    public int clientPort() {
        return clientPort;
    }

    /** Server address in text form. */
    public String serverAddress() {
        return Addresses.format(serverHigh, serverLow);
    }

    /** Upper 64 bits of the server's address (IPv4 as {@code ::ffff:a.b.c.d}). */
    public long serverHigh() {
        return serverHigh;
    }

    /** Lower 64 bits of the server's address. */
    public long serverLow() {
        return serverLow;
    }

    /** Server port. */
    public int serverPort() {
        return serverPort;
    }

    /**
     * The unordered pair of two ports as one key (lower port in the high half): how the joiners
     * and indexes look a flow up by a packet's or a connection's ports, whichever way they run.
     */
    public static long portKey(int a, int b) {
        return a < b ? ((long) a << 32) | b : ((long) b << 32) | a;
    }

    /** True if the packet travels on this flow's 4-tuple, either way. */
    public boolean carries(PacketCursor p) {
        int sp = p.sourcePort();
        int dp = p.destinationPort();
        if (sp == clientPort && dp == serverPort) {
            return p.sourceLow() == clientLow && p.sourceHigh() == clientHigh
                    && p.destinationLow() == serverLow && p.destinationHigh() == serverHigh;
        }
        return sp == serverPort && dp == clientPort && p.sourceLow() == serverLow && p.sourceHigh() == serverHigh
                && p.destinationLow() == clientLow && p.destinationHigh() == clientHigh;
    }

    /** True if the packet was sent by this flow's client (call only when {@link #carries} holds). */
    public boolean fromClient(PacketCursor p) {
        return p.sourcePort() == clientPort && p.sourceLow() == clientLow && p.sourceHigh() == clientHigh;
    }

    /** What the client sent (and advertised). */
    public Endpoint client() {
        return client;
    }

    /** What the server sent (and advertised). */
    public Endpoint server() {
        return server;
    }

    /** Time of the first packet either way. */
    public long firstPacketNanos() {
        return firstPacketNanos;
    }

    /** Time of the last packet either way. */
    public long lastPacketNanos() {
        return lastPacketNanos;
    }

    /** Time of the client's first SYN, or {@link #NONE}. */
    public long firstSynNanos() {
        return firstSynNanos;
    }

    /** Time of the client's last SYN before the SYN/ACK (the one that was answered), or {@link #NONE}. */
    public long lastSynNanos() {
        return lastSynNanos;
    }

    /** SYNs the client sent: 1 normally, more when SYNs were retransmitted. */
    public int synCount() {
        return synCount;
    }

    /** Time of the server's first SYN/ACK, or {@link #NONE}. */
    public long synAckNanos() {
        return synAckNanos;
    }

    /** Time of the client's ACK completing the handshake, or {@link #NONE}. */
    public long handshakeAckNanos() {
        return handshakeAckNanos;
    }

    /**
     * Round-trip time seen in the handshake: from the SYN that was answered to the ACK of the
     * SYN/ACK. Wherever the capture was taken, this spans one network round trip plus the two
     * hosts' processing time; {@link #NONE} if the handshake was not seen complete.
     */
    public long handshakeRttNanos() {
        return lastSynNanos == NONE || handshakeAckNanos == NONE ? NONE : handshakeAckNanos - lastSynNanos;
    }

    /** True once FIN was seen both ways, or a RST either way. */
    public boolean isFinished() {
        return (client.finNanos != NONE && server.finNanos != NONE) || client.rstNanos != NONE || server.rstNanos != NONE;
    }

    /**
     * The same flow seen the other way round, for a flow whose handshake the capture missed (no
     * SYN, no SYN/ACK): the tracker then took the first packet's sender for the client, which is
     * a guess. Null for a flow with a handshake, whose direction is known.
     */
    public TcpFlow reversed() {
        if (synCount > 0 || synAckNanos != NONE) {
            return null;
        }
        TcpFlow r = new TcpFlow(serverHigh, serverLow, serverPort, clientHigh, clientLow, clientPort, server, client);
        r.firstPacketNanos = firstPacketNanos;
        r.lastPacketNanos = lastPacketNanos;
        r.end = end;
        return r;
    }

    /** Why the tracker reported this flow. */
    public FlowEnd end() {
        return end;
    }

    /**
     * Zeek's {@code conn_state}. Each endpoint gets the last state Zeek's TCP analyzer would give it
     * (RESET if it sent a RST, else CLOSED if it sent a FIN, else ESTABLISHED after a complete
     * handshake, else SYN_SENT / SYN_ACK_SENT, else PARTIAL if it sent anything, else INACTIVE),
     * then Zeek's rules apply in Zeek's order: a responder RST gives REJ (originator still in
     * SYN_SENT, or both reset with no data), RSTRH (originator inactive) or RSTR; an originator RST
     * gives RSTOS0 (nothing but a SYN before it and an inactive responder), OTH, or RSTO; then SF,
     * SH/S2, SHR/S3, S0, S1, OTH. See {@link ConnState} for the meanings.
     */
    public ConnState connState() {
        EndpointState os = clientState();
        EndpointState rs = serverState();
        boolean originatorInactive = os == EndpointState.INACTIVE || os == EndpointState.PARTIAL;
        boolean responderInactive = rs == EndpointState.INACTIVE || rs == EndpointState.PARTIAL;
        if (rs == EndpointState.RESET) {
            if (os == EndpointState.SYN_SENT || os == EndpointState.SYN_ACK_SENT
                    || (os == EndpointState.RESET && client.payloadBytes == 0 && server.payloadBytes == 0)) {
                return ConnState.REJ;
            }
            return originatorInactive ? ConnState.RSTRH : ConnState.RSTR;
        }
        if (os == EndpointState.RESET) {
            if (responderInactive) {
                return synCount > 0 && !clientAckedOrFinishedBeforeReset ? ConnState.RSTOS0 : ConnState.OTH;
            }
            return ConnState.RSTO;
        }
        if (os == EndpointState.CLOSED && rs == EndpointState.CLOSED) {
            return ConnState.SF;
        }
        if (os == EndpointState.CLOSED) {
            return responderInactive ? ConnState.SH : ConnState.S2;
        }
        if (rs == EndpointState.CLOSED) {
            return originatorInactive ? ConnState.SHR : ConnState.S3;
        }
        if (os == EndpointState.SYN_SENT && rs == EndpointState.INACTIVE) {
            return ConnState.S0;
        }
        if (os == EndpointState.ESTABLISHED && rs == EndpointState.ESTABLISHED) {
            return ConnState.S1;
        }
        return ConnState.OTH;
    }

    private boolean established() {
        return handshakeAckNanos != NONE;
    }

    private EndpointState clientState() {
        if (client.rstNanos != NONE) {
            return EndpointState.RESET;
        }
        if (client.finNanos != NONE) {
            return EndpointState.CLOSED;
        }
        if (established()) {
            return EndpointState.ESTABLISHED;
        }
        if (synCount > 0) {
            return EndpointState.SYN_SENT;
        }
        return client.packets > 0 ? EndpointState.PARTIAL : EndpointState.INACTIVE;
    }

    private EndpointState serverState() {
        if (server.rstNanos != NONE) {
            return EndpointState.RESET;
        }
        if (server.finNanos != NONE) {
            return EndpointState.CLOSED;
        }
        if (established()) {
            return EndpointState.ESTABLISHED;
        }
        if (synAckNanos != NONE) {
            return EndpointState.SYN_ACK_SENT;
        }
        return server.packets > 0 ? EndpointState.PARTIAL : EndpointState.INACTIVE;
    }

    /** The per-endpoint states of Zeek's TCP analyzer that {@link #connState()} is defined on. */
    private enum EndpointState { INACTIVE, SYN_SENT, SYN_ACK_SENT, PARTIAL, ESTABLISHED, CLOSED, RESET }

    /**
     * One line: start time, client -> server, Zeek state, packets and payload bytes each way,
     * handshake RTT, SYN count, FIN and RST directions, retransmissions and zero windows.
     */
    public String describe() {
        TcpFlow flow = this;
        StringBuilder line = new StringBuilder(200);
        long start = flow.firstPacketNanos();
        line.append(java.time.Instant.ofEpochSecond(Math.floorDiv(start, 1_000_000_000L), Math.floorMod(start, 1_000_000_000L)))
                .append(' ').append(Addresses.formatEndpoint(clientHigh, clientLow, clientPort))
                .append(" -> ").append(Addresses.formatEndpoint(serverHigh, serverLow, serverPort))
                .append(' ').append(flow.connState())
                .append(" client ").append(flow.client().packets()).append(" pkts ").append(flow.client().payloadBytes()).append(" B")
                .append(", server ").append(flow.server().packets()).append(" pkts ").append(flow.server().payloadBytes()).append(" B")
                // Locale.US: the same text as Locale.ROOT, and the one locale Formatter needs no DecimalFormatSymbols for (JDK 17)
                .append(", rtt ").append(flow.handshakeRttNanos() == TcpFlow.NONE ? "-"
                        : String.format(java.util.Locale.US, "%.3f ms", flow.handshakeRttNanos() / 1e6))
                .append(", syn ").append(flow.synCount())
                .append(", fin ").append(sides(flow.client().finNanos() != TcpFlow.NONE, flow.server().finNanos() != TcpFlow.NONE))
                .append(", rst ").append(sides(flow.client().rstNanos() != TcpFlow.NONE, flow.server().rstNanos() != TcpFlow.NONE));
        long retransmitted = flow.client().retransmissions() + flow.server().retransmissions();
        if (retransmitted > 0) {
            line.append(", retransmits ").append(flow.client().retransmissions())
                    .append('/').append(flow.server().retransmissions());
        }
        appendZeroWindow(line, "client", flow.client());
        appendZeroWindow(line, "server", flow.server());
        return line.toString();
    }

    private static void appendZeroWindow(StringBuilder line, String side, TcpFlow.Endpoint endpoint) {
        if (endpoint.zeroWindowSegments() > 0) {
            line.append(", zero window from ").append(side)
                    .append(String.format(java.util.Locale.US, " %.3f s", endpoint.zeroWindowNanos() / 1e9))
                    .append(" (").append(endpoint.zeroWindowSegments()).append(" segment")
                    .append(endpoint.zeroWindowSegments() == 1 ? ")" : "s)");
        }
    }

    private static String sides(boolean client, boolean server) {
        return client && server ? "client,server" : client ? "client" : server ? "server" : "-";
    }

    @Override
    public String toString() {
        return Addresses.formatEndpoint(clientHigh, clientLow, clientPort) + " -> "
                + Addresses.formatEndpoint(serverHigh, serverLow, serverPort) + " " + connState();
    }

    /**
     * What one side of the connection sent. Bytes are payload bytes counted once: a segment that
     * starts below the highest sequence number this side already sent is a retransmission, and
     * only the part beyond that highest sequence counts as new bytes. "Zero window" means this
     * side advertised a receive window of 0 (it could not take more data).
     */
    public static final class Endpoint {
        long packets;
        long payloadBytes;
        long retransmittedSegments;
        long retransmittedBytes;
        int mss = PacketCursor.ABSENT;
        int windowScale = PacketCursor.ABSENT;
        boolean sackPermitted;
        long sackBlocks;
        boolean timestamps;
        long zeroWindowSegments;
        int zeroWindowEpisodes;
        long firstZeroWindowNanos = NONE;
        long lastZeroWindowNanos = NONE;
        long zeroWindowNanos;
        long zeroWindowSince = NONE;
        long finNanos = NONE;
        long rstNanos = NONE;
        long lastPacketNanos = NONE;
        /** {@link #packets} when the other side last sent a packet. */
        long packetsAtPeersLast;
        /** What the verdicts remember of this side's segments: highest sequence, window state. */
        final PacketFacts.Sender sent = new PacketFacts.Sender();
        long retransmissions;
        long unackedSinceNanos = NONE;
        long lastRetransmitNanos = NONE;
        long retransmitWaitNanos;
        long retransmitWaitAtNewData;
        long lastNewDataNanos = NONE;
        long payloadAfterPeerFin;
        long ackedPeerDataNanos = NONE;
        long slowestAnswerNanos;
        long slowestAnswerAckNanos = NONE;
        boolean slowestAnswerRetransmitted;

        Endpoint() {
        }

        /** Packets sent. */
        public long packets() {
            return packets;
        }

        /** When this side last sent any packet, or {@link TcpFlow#NONE}. */
        public long lastPacketNanos() {
            return lastPacketNanos;
        }

        /**
         * Packets this side sent after the other side's last packet: unanswered retransmissions
         * and keepalive probes when the other side went silent.
         */
        public long packetsSincePeersLast() {
            return packets - packetsAtPeersLast;
        }

        /** Payload bytes sent, retransmitted bytes not counted again. */
        public long payloadBytes() {
            return payloadBytes;
        }

        /** When this side last sent new payload, or {@link TcpFlow#NONE}. */
        public long lastNewDataNanos() {
            return lastNewDataNanos;
        }

        /** New payload bytes sent after the other side's FIN (a write to a peer that had closed). */
        public long payloadAfterPeerFin() {
            return payloadAfterPeerFin;
        }

        /**
         * Segments {@link PacketFacts} calls retransmissions: data, SYN or FIN sent again. The SYNs
         * are also in {@link TcpFlow#synCount()}; {@link #retransmittedSegments()} counts the data.
         */
        public long retransmissions() {
            return retransmissions;
        }

        /** Retransmissions ({@link PacketFacts}) that carried payload. */
        public long retransmittedSegments() {
            return retransmittedSegments;
        }

        /** Payload bytes sent again. */
        public long retransmittedBytes() {
            return retransmittedBytes;
        }

        /**
         * Time this side lost to retransmissions: for each episode, from the first send of the
         * oldest data not yet acknowledged to its first retransmission, then from one
         * retransmission to the next, until the other side acknowledged everything.
         */
        public long retransmitWaitNanos() {
            return retransmitWaitNanos;
        }

        /**
         * The longest this side took to answer: from the other side's last new data to this
         * side's next new data (a request and its response, in a request/response protocol); 0
         * if this side never answered.
         */
        public long slowestAnswerNanos() {
            return slowestAnswerNanos;
        }

        /**
         * For the slowest answer: how soon after the other side's data this side sent a pure ACK
         * (its kernel had the request), or {@link TcpFlow#NONE} if it acknowledged only with the answer.
         */
        public long slowestAnswerAckNanos() {
            return slowestAnswerAckNanos;
        }

        /** For the slowest answer: whether the request itself had to be retransmitted. */
        public boolean slowestAnswerRetransmitted() {
            return slowestAnswerRetransmitted;
        }

        /** MSS option from this side's SYN, or {@link PacketCursor#ABSENT}. */
        public int mss() {
            return mss;
        }

        /** Window scale from this side's SYN, or {@link PacketCursor#ABSENT}. */
        public int windowScale() {
            return windowScale;
        }

        /** SACK-permitted in this side's SYN. */
        public boolean sackPermitted() {
            return sackPermitted;
        }

        /** SACK blocks this side sent, summed over its segments. */
        public long sackBlocks() {
            return sackBlocks;
        }

        /** This side used the timestamps option. */
        public boolean timestamps() {
            return timestamps;
        }

        /** Segments in which this side advertised a zero window ({@link PacketFacts#ZERO_WINDOW}). */
        public long zeroWindowSegments() {
            return zeroWindowSegments;
        }

        /** Times this side went from an open window to a zero window. */
        public int zeroWindowEpisodes() {
            return zeroWindowEpisodes;
        }

        /** First zero-window advertisement, or {@link TcpFlow#NONE}. */
        public long firstZeroWindowNanos() {
            return firstZeroWindowNanos;
        }

        /** Last zero-window advertisement, or {@link TcpFlow#NONE}. */
        public long lastZeroWindowNanos() {
            return lastZeroWindowNanos;
        }

        /**
         * Total time this side's window stayed zero: each episode runs from its first zero
         * advertisement to this side's next non-zero one (or to the flow's last packet).
         */
        public long zeroWindowNanos() {
            return zeroWindowNanos;
        }

        /** Time of this side's first FIN, or {@link TcpFlow#NONE}. */
        public long finNanos() {
            return finNanos;
        }

        /** Time of this side's first RST, or {@link TcpFlow#NONE}. */
        public long rstNanos() {
            return rstNanos;
        }
    }
}
