package io.socktrace.runtime;

import io.socktrace.events.CloseEvent;
import io.socktrace.events.ConnectEvent;
import io.socktrace.events.ShutdownEvent;

/**
 * How a connection ends: a close (who closed first, what the kernel does next, what was left
 * unread) and a shutdown of one direction, and the events they give. Called by the API tracers
 * (see {@link Tracing}).
 */
final class CloseTracing {

    private CloseTracing() {
    }

    /**
     * The application closes {@code socket}; called while the descriptor is still open. Returns
     * the event to commit when the close returns, or null when this close is no connection's end.
     */
    static CloseEvent closeBegin(Object socket) {
        Connection c = Tracing.adopted(socket);
        if (c.ignored) {
            return null;
        }
        Connection.Phase phase = c.phase;
        if (phase == Connection.Phase.CONNECTING) {
            if (ConnectTracing.insideConnect()) {
                // The JDK closes a socket whose connect failed before rethrowing: part of the
                // Connect, not a Close. Keep the local port the SYNs went out from, if any: a
                // getsockname, only while the Connect can still be recorded (not in a refused storm).
                if (c.localPort <= 0 && Sampling.abnormalMayBeRecorded(c, AbnormalKind.CONNECT)) {
                    Tracing.captureLocal(socket, c);
                }
            } else {
                Connection.Rare rare = c.rareOrDefaults();
                ConnectEvent pending = rare.pendingConnect;
                if (pending != null) {
                    rare.pendingConnect = null;
                }
                if (rare.connectPending) {
                    rare.connectPending = false;
                    // closed while a non-blocking connect was still in progress
                    Tracing.captureLocal(socket, c);
                    Tracing.commit(ConnectTracing.connectDone(socket, c, pending, false, new java.nio.channels.AsynchronousCloseException() {
                        private static final long serialVersionUID = 1L;

                        @Override
                        public String getMessage() {
                            return "closed before finishConnect";
                        }
                    }));
                }
            }
            return null;
        }
        if (phase != Connection.Phase.CONNECTED) {
            if (phase == Connection.Phase.LISTENING || phase == Connection.Phase.NEW || phase == Connection.Phase.FAILED) {
                c.phase = Connection.Phase.CLOSED;
                OpenSockets.untrack(c);
                c.releaseEndpoint();
            }
            return null;
        }
        c.phase = Connection.Phase.CLOSED;
        OpenSockets.untrack(c);
        if (c.stall != null) {
            Tracing.commit(TransferTracing.endStall(c, null));
        }
        long now = System.nanoTime();
        // who closed is counted for every connection, recorded or not: the statistics need it, and
        // an abort (unread input) is recorded whether the connection was sampled or not
        int unread = 0;
        if (c.rareOrDefaults().resetKind == null && c.endOfStreamNanos == 0 && !c.inputShutdown) {
            unread = Math.max(0, JdkAccess.available(socket));
        }
        CloseInitiator initiator = initiator(c, unread);
        Endpoint endpoint = c.endpoint;
        if (endpoint != null) {
            endpoint.add(Endpoint.CLOSES + initiator.ordinal(), 1);
        }
        CloseEvent e = TracerConfig.jfrInitialized() ? new CloseEvent() : null;
        // the endpoint is let go in closeEnd, once the bytes of calls still ending elsewhere are in
        if (e == null || !e.isEnabled() || !recordClose(c, initiator, now)) {
            return null;
        }
        e.initiator = initiator.name();
        e.unreadBytes = unread;
        e.linger = c.rareOrDefaults().linger;
        e.closeWaitTime = c.endOfStreamNanos == 0 ? 0 : now - c.endOfStreamNanos;
        e.lifetime = c.establishedNanos == 0 ? 0 : now - c.establishedNanos;
        e.halfClose = halfClose(c);
        e.tcpStateAfter = tcpStateAfter(initiator);
        e.totalRetransmits = -1;
        TcpInfoProbe probe = TracerConfig.tcpInfo;
        if (probe != null) {
            long[] info = new long[2];
            if (probe.read(JdkAccess.descriptor(socket), info)) {
                e.rtt = info[0];
                e.totalRetransmits = info[1];
            }
        }
        e.begin();
        return e;
    }

    /**
     * Whether a connection's Close is recorded: when its Connect or Accept was (the connection
     * tells its whole story), and when the close is abnormal (an abort, after an error, or long
     * after the peer closed), within the abnormal rate.
     */
    private static boolean recordClose(Connection c, CloseInitiator initiator, long now) {
        if (c.recorded || c.sampling == Connection.SAMPLED) {
            return true;
        }
        long eof = c.endOfStreamNanos;
        boolean abnormal = initiator == CloseInitiator.ABORT || initiator == CloseInitiator.AFTER_ERROR
                || (initiator == CloseInitiator.PEER && eof != 0 && now - eof >= Sampling.longCloseWaitNanos);
        return abnormal && Sampling.allowAbnormal(c, AbnormalKind.CLOSE);
    }

    static CloseEvent closeEnd(Object socket, CloseEvent e) {
        Connection c = Connections.peek(socket);
        if (c != null && c.phase == Connection.Phase.CLOSED) {
            // a close inside a failed connect is not the end of the socket's state: the connect's
            // exit still needs it. A read or write on another thread may have returned without
            // counting its bytes yet: it counts them on this connection before it is forgotten.
            c.awaitTransfers();
            Connections.forget(socket);
            c.releaseEndpoint();
        }
        if (e == null) {
            return null;
        }
        e.end();
        if (c != null && e.shouldCommit()) {
            Tracing.fill(e, c);
            e.bytesRead = c.bytesRead;
            e.bytesWritten = c.bytesWritten;
            e.shortWrites = c.rareOrDefaults().shortWrites;
            e.communityId = c.communityId();
            return e;
        }
        return null;
    }

    static void shutdown(Object socket, boolean input) {
        Connection c = Tracing.adopted(socket);
        if (c.ignored) {
            return;
        }
        if (input) {
            c.inputShutdown = true;
        } else if (c.rareOrDefaults().outputShutdownNanos == 0) {
            c.rare().outputShutdownNanos = System.nanoTime();
        }
        if (!TracerConfig.jfrInitialized()) {
            return;
        }
        ShutdownEvent e = new ShutdownEvent();
        if (e.shouldCommit() && Sampling.sampled(c)) {
            Tracing.fill(e, c);
            e.shutdownInput = input;
            e.shutdownOutput = !input;
            e.commit();
        }
    }

    static CloseInitiator initiator(Connection c, int unreadBytes) {
        if (c.rareOrDefaults().resetKind != null) {
            return CloseInitiator.AFTER_ERROR;
        }
        if (c.rareOrDefaults().linger == 0 || unreadBytes > 0) {
            return CloseInitiator.ABORT;
        }
        long eof = c.endOfStreamNanos;
        long fin = c.rareOrDefaults().outputShutdownNanos;
        if (eof != 0 && (fin == 0 || eof < fin)) {
            return CloseInitiator.PEER;
        }
        // a TLS close that met a broken pipe or reset before any FIN of ours: the peer's socket was gone first
        return c.rareOrDefaults().peerGoneInJdk ? CloseInitiator.PEER : CloseInitiator.LOCAL;
    }

    static String tcpStateAfter(CloseInitiator initiator) {
        switch (initiator) {
            case LOCAL:
                return "TIME_WAIT";
            case PEER:
                return "LAST_ACK";
            default:
                return "CLOSED";
        }
    }

    private static String halfClose(Connection c) {
        boolean in = c.inputShutdown;
        boolean out = c.rareOrDefaults().outputShutdownNanos != 0;
        return in && out ? "BOTH" : in ? "INPUT" : out ? "OUTPUT" : "NONE";
    }
}
