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
                    // (or ended by the library's own connect timeout, which closes it)
                    Tracing.captureLocal(socket, c);
                    Throwable ended = ConnectTracing.takeApplicationTimeout();
                    if (ended == null) {
                        ended = new java.nio.channels.AsynchronousCloseException() {
                            private static final long serialVersionUID = 1L;

                            @Override
                            public String getMessage() {
                                return "closed before finishConnect";
                            }
                        };
                    }
                    Tracing.commit(ConnectTracing.connectDone(socket, c, pending, false, ended));
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
        // One poll(2) asks the kernel whether anything is left to read: nothing (the common case,
        // and the same one syscall the FIONREAD alone cost before), or input, whose FIONREAD then
        // tells unread bytes (an abort) from the peer's FIN waiting unread (it closed first).
        // SO_LINGER 0 makes the close an abort whatever the kernel holds (Jedis sets it on every
        // socket, a reset storm's server too): the poll is left to the closes that are recorded,
        // for their unread count.
        int unread = 0;
        int kernel = KERNEL_NOT_ASKED;
        boolean mayHoldInput = c.rareOrDefaults().resetKind == null && c.endOfStreamNanos == 0 && !c.inputShutdown;
        boolean lingerZero = c.rareOrDefaults().linger == 0;
        if (mayHoldInput && !lingerZero) {
            long asked = askKernel(socket, true);
            kernel = (int) asked;
            unread = (int) (asked >>> 32);
        }
        CloseEvidence evidence = evidence(c, unread, kernel);
        CloseInitiator initiator = evidence.initiator;
        Endpoint endpoint = c.endpoint;
        if (endpoint != null) {
            endpoint.add(Endpoint.CLOSES + initiator.ordinal(), 1);
            if (initiator == CloseInitiator.LOCAL && endpoint.role == Endpoint.Role.REMOTE) {
                endpoint.closedFirst(now); // its local port now sits in TIME_WAIT
            }
        }
        // A Close is recorded when the connection's Connect or Accept was (it tells its whole
        // story), and when the close is abnormal (an abort, after an error, or long after the peer
        // closed), within the abnormal rate. The common case, a normal close of a connection
        // sampling left out, makes no event object. The endpoint is let go in closeEnd, once the
        // bytes of calls still ending elsewhere are in.
        boolean wholeConnection = c.recorded || c.sampling == Connection.SAMPLED;
        if (!wholeConnection && !abnormalClose(c, initiator, now)) {
            return null;
        }
        CloseEvent e = TracerConfig.jfrInitialized() ? new CloseEvent() : null;
        if (e == null || !e.isEnabled() || !wholeConnection && !Sampling.allowAbnormal(c, AbnormalKind.CLOSE)) {
            return null;
        }
        if (mayHoldInput && lingerZero) {
            unread = (int) (askKernel(socket, true) >>> 32);
        }
        e.initiator = initiator.name();
        e.initiatorEvidence = evidence.name();
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

    /** An abort, a close after an error, or one long after the peer closed: recorded whether sampled or not. */
    private static boolean abnormalClose(Connection c, CloseInitiator initiator, long now) {
        long eof = c.endOfStreamNanos;
        return initiator == CloseInitiator.ABORT || initiator == CloseInitiator.AFTER_ERROR
                || (initiator == CloseInitiator.PEER && eof != 0 && now - eof >= Sampling.longCloseWaitNanos);
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

    /**
     * {@code shutdownOutput()} begins: the peer's FIN already waiting, unread, before ours goes
     * means the peer closed first. Asked here, not when the call returns: a peer that reads our
     * FIN and closes at once would answer within microseconds on loopback. Not inside a TLS close:
     * it sent its close_notify already, which the peer's FIN may answer; whether the peer's came
     * first was asked when the application called the TLS close ({@link #tlsCloseBegins}).
     */
    static void outputShutdownBegins(Object socket) {
        Connection c = Connections.peek(socket);
        if (c == null || c.ignored || c.phase != Connection.Phase.CONNECTED || c.endOfStreamNanos != 0 || c.inputShutdown
                || c.rareOrDefaults().outputShutdownNanos != 0 || InsideJdk.handling()) {
            return;
        }
        if (kernelSays(socket) == KERNEL_FIN_UNREAD) {
            c.rare().finUnreadAtShutdown = true;
        }
    }

    /** What the kernel holds for reading: {@link #KERNEL_NOT_ASKED}, {@link #KERNEL_NO_FIN}, {@link #KERNEL_FIN_UNREAD} or {@link #KERNEL_INPUT_UNREAD}. */
    private static int kernelSays(Object socket) {
        return (int) askKernel(socket, false);
    }

    /**
     * One poll(2) for what the kernel holds for reading (the answer in the low 32 bits), and with
     * {@code countUnread}, when input waits (or poll cannot be asked), its FIONREAD: the unread
     * bytes in the high 32 bits. Nothing to read is the common case, and costs the one poll.
     */
    private static long askKernel(Object socket, boolean countUnread) {
        int revents = JdkAccess.pollIn(socket);
        if (revents < 0) {
            return countUnread ? (long) Math.max(0, JdkAccess.available(socket)) << 32 | KERNEL_NOT_ASKED : KERNEL_NOT_ASKED;
        }
        if ((revents & JdkAccess.pollInBit()) == 0) {
            return KERNEL_NO_FIN;
        }
        int bytes = countUnread || JdkAccess.POLLRDHUP == 0 ? JdkAccess.available(socket) : -1;
        long unread = countUnread ? (long) Math.max(0, bytes) << 32 : 0;
        if ((revents & JdkAccess.pollErrBit()) != 0) {
            return unread | KERNEL_NO_FIN; // an error pending (a reset): no FIN to speak of
        }
        if ((revents & JdkAccess.POLLRDHUP) != 0) {
            return unread | KERNEL_FIN_UNREAD; // the FIN is there, with or without bytes before it
        }
        if (JdkAccess.POLLRDHUP != 0) {
            return unread | KERNEL_INPUT_UNREAD; // bytes, and no FIN yet
        }
        // readable, and POLLRDHUP unknown: bytes, or with none the end of stream
        return unread | (bytes == 0 ? KERNEL_FIN_UNREAD : bytes > 0 ? KERNEL_INPUT_UNREAD : KERNEL_NOT_ASKED);
    }

    /**
     * The application calls a TLS socket's close ({@code transport} is the socket underneath),
     * before the JDK sends its close_notify and FIN: the peer's FIN here now, behind its own
     * close_notify that nobody read, means the peer closed first.
     */
    static void tlsCloseBegins(Object transport) {
        Connection c = transport == null ? null : Connections.peek(transport);
        if (c == null || c.phase != Connection.Phase.CONNECTED || c.endOfStreamNanos != 0 || c.inputShutdown
                || c.rareOrDefaults().outputShutdownNanos != 0) {
            return;
        }
        int kernel = kernelSays(transport);
        if (kernel == KERNEL_FIN_UNREAD) {
            c.rare().finUnreadAtShutdown = true; // before any FIN of ours: the TLS close sends it later
        } else if (kernel == KERNEL_NO_FIN) {
            c.rare().quietAtTlsClose = true; // whatever is unread at the socket's close came during the TLS close
        }
    }

    /** {@link #evidence}'s kernel answers: not asked (or could not be), no FIN pending, the peer's FIN pending unread. */
    static final int KERNEL_NOT_ASKED = 0;
    static final int KERNEL_NO_FIN = 1;
    static final int KERNEL_FIN_UNREAD = 2;
    /** Bytes unread: whether the peer's FIN is behind them cannot be told. */
    static final int KERNEL_INPUT_UNREAD = 3;

    /**
     * What tells who closed first: what the application saw (an error, its linger, input left
     * unread, the end of stream it read, its own shutdownOutput, a TLS close's failure), and where
     * that says nothing, what the kernel held at the close ({@code kernel}).
     */
    static CloseEvidence evidence(Connection c, int unreadBytes, int kernel) {
        Connection.Rare rare = c.rareOrDefaults();
        if (rare.resetKind != null) {
            return CloseEvidence.ERROR;
        }
        if (rare.linger == 0) {
            return CloseEvidence.LINGER_ZERO;
        }
        if (unreadBytes > 0) {
            // the peer's close_notify, answering ours, left unread by the JDK's own TLS close
            return rare.quietAtTlsClose && InsideJdk.handling() ? CloseEvidence.TLS_ANSWER_UNREAD : CloseEvidence.UNREAD_INPUT;
        }
        if (rare.peerGoneInJdk) {
            // a TLS close that met a broken pipe or reset before any FIN of ours (only then is it
            // noted): the peer's socket was gone first, whatever the TLS close did after it
            return CloseEvidence.TLS_CLOSE;
        }
        if (rare.finUnreadAtShutdown) {
            // the peer's FIN was there, unread, when ours went (our shutdownOutput, or the TLS
            // close the application called, which sends ours): the peer closed first
            return CloseEvidence.FIN_UNREAD;
        }
        long eof = c.endOfStreamNanos;
        long fin = rare.outputShutdownNanos;
        if (fin != 0 && (eof == 0 || fin <= eof)) {
            return CloseEvidence.SHUTDOWN_OUTPUT; // our FIN went first, whatever came after it
        }
        if (eof != 0) {
            return CloseEvidence.END_OF_STREAM;
        }
        return kernel == KERNEL_FIN_UNREAD ? CloseEvidence.FIN_UNREAD : kernel == KERNEL_NO_FIN ? CloseEvidence.NO_FIN
                : CloseEvidence.READS_ONLY;
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
