package io.socktrace.correlator.join;

import io.socktrace.correlator.flow.TcpFlow;
import io.socktrace.correlator.jvm.JvmConnection;
import io.socktrace.events.EventNames;
import io.socktrace.runtime.CloseInitiator;
import io.socktrace.runtime.ConnectOutcome;
import io.socktrace.runtime.ReceiveOutcome;
import io.socktrace.runtime.ResetKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The finding rules: what happened to one joined connection, stated from its calls and its flow
 * the way a person reading the recording next to Wireshark would, each finding with a stable code
 * and the numbers behind it. {@link CorrelationBuilder} applies them once the join is complete
 * (a rule may need another connection: NOT_ACCEPTED asks whether a listener of the recording
 * accepted the flow).
 */
final class FindingRules {

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

    private final long clockOffsetNanos;
    private final List<JvmConnection> listeners;
    private final Set<TcpFlow> acceptedFlows;
    private final long undecodablePackets;
    private final boolean sampled;
    /** Every connection of the recordings: a connect that found no local port looks for the ones that held them. */
    private List<JvmConnection> connections = List.of();
    /** How long the kernel holds a port closed first in TIME_WAIT (Linux: 60 s, fixed). */
    static final long TIME_WAIT_NANOS = 60_000_000_000L;

    /**
     * Rules for one correlation: its clock offset, the recording's listeners, the flows a traced
     * server accepted, and the capture's packets without a readable TCP header.
     */
    FindingRules(long clockOffsetNanos, List<JvmConnection> listeners, Set<TcpFlow> acceptedFlows, long undecodablePackets) {
        this(clockOffsetNanos, listeners, acceptedFlows, undecodablePackets, false);
    }

    /** As above; {@code sampled}: the recording samples normal connections, so an accept missing from it proves nothing. */
    FindingRules(long clockOffsetNanos, List<JvmConnection> listeners, Set<TcpFlow> acceptedFlows, long undecodablePackets, boolean sampled) {
        this.sampled = sampled;
        this.clockOffsetNanos = clockOffsetNanos;
        this.listeners = listeners;
        this.acceptedFlows = acceptedFlows;
        this.undecodablePackets = undecodablePackets;
    }

    /** The recordings' connections, for the findings that look beyond one connection. */
    FindingRules withConnections(List<JvmConnection> all) {
        this.connections = List.copyOf(all);
        return this;
    }

    /**
     * A connect that failed in this host before a packet could leave: no free local port
     * (EADDRNOTAVAIL; with the connections of this JVM to the same destination that it closed
     * first within the last 60 s, whose ports TIME_WAIT still holds), or a name that did not
     * resolve. Null for anything else.
     */
    private Finding failedBeforeAnyPacket(JvmConnection c) {
        JvmConnection.Call connect = c.connect();
        if (connect == null) {
            return null;
        }
        if (ConnectOutcome.NO_LOCAL_PORT.name().equals(connect.outcome)) {
            long at = connect.startNanos;
            long closedFirst = connections.stream()
                    .filter(o -> o != c && o.side() == JvmConnection.Side.CLIENT && o.remotePort() == c.remotePort()
                            && java.util.Objects.equals(o.remoteAddress(), c.remoteAddress())
                            && io.socktrace.runtime.CloseInitiator.LOCAL.name().equals(o.closeInitiator()) && o.close() != null
                            && o.close().startNanos <= at && at - o.close().startNanos < TIME_WAIT_NANOS)
                    .count();
            return new Finding("NO_LOCAL_PORT", "the connect failed in this host before any packet left: no free local port toward "
                    + c.remoteEndpoint() + " (" + (connect.exceptionMessage == null ? "Cannot assign requested address" : connect.exceptionMessage)
                    + ")" + (closedFirst == 0 ? "" : "; " + closedFirst + (closedFirst == 1 ? " connection" : " connections")
                    + " of this JVM to it had closed first within the 60 s before, and a port closed first stays in TIME_WAIT for 60 s"));
        }
        if (ConnectOutcome.UNRESOLVED.name().equals(connect.outcome)) {
            return new Finding("UNRESOLVED", "the host name " + c.host() + " did not resolve: no connection was tried, so none is on the wire");
        }
        return null;
    }

    /** Adds the findings of {@code j}. */
    void explain(Correlation.Joined j) {
        JvmConnection c = j.connection;
        TcpFlow f = j.flow;
        if (f == null) {
            Finding local = failedBeforeAnyPacket(c);
            if (local != null) {
                j.findings.add(local); // nothing of it could be on the wire: no capture was missed
                return;
            }
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
        if (connect != null && ConnectOutcome.REFUSED.name().equals(connect.outcome)) {
            String after = peer.rstNanos() != TcpFlow.NONE && f.firstSynNanos() != TcpFlow.NONE
                    ? " " + micros(peer.rstNanos() - f.lastSynNanos()) + " after the SYN" : "";
            j.findings.add(new Finding("REFUSED", "refused: RST/ACK" + after + "; the connect failed after "
                    + millis(connect.durationNanos) + " (" + f.connState() + ")"));
        }
        if (connect != null && ConnectOutcome.TIMED_OUT.name().equals(connect.outcome)) {
            j.findings.add(new Finding("SYN_TIMEOUT", f.synCount() + " SYN" + (f.synCount() == 1 ? "" : "s") + ", "
                    + (f.synAckNanos() == TcpFlow.NONE ? "no answer" : "answered late") + ", connect gave up after "
                    + millis(connect.durationNanos) + " (" + f.connState() + ")"));
        }
        JvmConnection.Call resetCall = first(c, EventNames.RESET);
        if (resetCall != null && ResetKind.PEER_VANISHED.name().equals(resetCall.outcome)) {
            // no FIN, no RST: the peer stopped answering and the kernel gave up on it
            long last = peer.lastPacketNanos() == TcpFlow.NONE ? TcpFlow.NONE : peer.lastPacketNanos() - clockOffsetNanos;
            long unanswered = us.packetsSincePeersLast();
            j.findings.add(new Finding("PEER_VANISHED", "the peer went silent"
                    + (last == TcpFlow.NONE ? "" : ": its last packet " + millis(resetCall.endNanos() - last) + " before the failure")
                    + ", " + unanswered + " packet" + (unanswered == 1 ? "" : "s") + " of ours after it unanswered ("
                    + us.retransmissions() + " retransmission" + (us.retransmissions() == 1 ? "" : "s")
                    + " in all, the rest keepalive probes or new data), no FIN, no RST; then the kernel gave up: "
                    + (resetCall.exceptionMessage == null ? "connection timed out" : resetCall.exceptionMessage)));
        } else if (resetCall != null) {
            long rst = peer.rstNanos() == TcpFlow.NONE ? TcpFlow.NONE : peer.rstNanos() - clockOffsetNanos;
            boolean peerFinFirst = peer.finNanos() != TcpFlow.NONE && (rst == TcpFlow.NONE || peer.finNanos() <= peer.rstNanos());
            if (ResetKind.BROKEN_PIPE.name().equals(resetCall.outcome) && peerFinFirst && us.payloadAfterPeerFin() > 0) {
                // only when the capture shows our data after the peer's FIN: a peer that closed with
                // our data unread resets too, and that is PEER_RESET
                j.findings.add(new Finding("WRITE_AFTER_PEER_CLOSE", "the peer closed (FIN), we wrote "
                        + us.payloadAfterPeerFin() + " bytes after it, the peer answered with RST, and a later write failed: broken pipe"));
            } else if (rst != TcpFlow.NONE) {
                j.findings.add(new Finding("PEER_RESET", "peer reset: RST arrived " + millis(resetCall.endNanos() - rst)
                        + " before the failed call returned"));
            } else if (us.rstNanos() != TcpFlow.NONE && !CloseInitiator.ABORT.name().equals(c.closeInitiator())) {
                // no RST came from the peer: this host sent it (the kernel gave up on the connection,
                // a local firewall, or another thread's abortive close), not the server
                j.findings.add(new Finding("LOCAL_ABORT", "the app saw a reset but the RST was ours: it left this host "
                        + millis(resetCall.endNanos() - (us.rstNanos() - clockOffsetNanos)) + " before the failed call returned, "
                        + "and none came from the peer"));
            }
        }
        if (CloseInitiator.ABORT.name().equals(c.closeInitiator()) && us.rstNanos() != TcpFlow.NONE) {
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
        JvmConnection.Call timedOut = firstWithOutcome(c, EventNames.RECEIVE, ReceiveOutcome.TIMED_OUT.name());
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
        // With sampling on, a successful accept is sampled apart from the connect that reached it:
        // its absence from the recording is no evidence that the application never accepted
        if (!sampled && c.side() == JvmConnection.Side.CLIENT && f.handshakeAckNanos() != TcpFlow.NONE && !acceptedFlows.contains(f)
                && listensOn(f.serverPort())) {
            j.findings.add(new Finding("NOT_ACCEPTED", "the handshake completed but the listening application never "
                    + "accepted the connection; the client sent " + us.payloadBytes() + " bytes into the accept queue"));
        }
        if (peer.zeroWindowNanos() > 0) {
            long blocked = 0;
            for (JvmConnection.Call call : c.calls()) {
                if (call.is(EventNames.SEND) && call.endNanos() >= peer.firstZeroWindowNanos() - clockOffsetNanos
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
                if (call.is(EventNames.RECEIVE)) {
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
    private static void retransmissions(Correlation.Joined j, TcpFlow.Endpoint us, TcpFlow.Endpoint peer) {
        TcpFlow f = j.flow;
        JvmConnection.Call connect = j.connection.connect();
        List<String> parts = new ArrayList<>(3);
        if (f.synCount() > 1 && f.synAckNanos() != TcpFlow.NONE && (connect == null || ConnectOutcome.CONNECTED.name().equals(connect.outcome))) {
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

    /** The first call of {@code event} the application was told about (not one the JDK handled itself). */
    private static JvmConnection.Call first(JvmConnection c, String event) {
        for (JvmConnection.Call call : c.calls()) {
            if (call.is(event) && !call.handledByJdk) {
                return call;
            }
        }
        return null;
    }

    private static JvmConnection.Call firstWithOutcome(JvmConnection c, String event, String outcome) {
        for (JvmConnection.Call call : c.calls()) {
            if (call.is(event) && outcome.equals(call.outcome) && !call.handledByJdk) {
                return call;
            }
        }
        return null;
    }

    static int severity(Correlation.Joined j) {
        if (j.flow == null) {
            return 1;
        }
        return j.findings.isEmpty() ? 0 : 2 + j.findings.size();
    }

    static String millis(long nanos) {
        // Locale.US: the same text as Locale.ROOT, and the one locale Formatter needs no DecimalFormatSymbols for (JDK 17)
        return String.format(Locale.US, "%.1f ms", nanos / 1e6);
    }

    static String micros(long nanos) {
        return String.format(Locale.US, "%d µs", nanos / 1000);
    }
}
