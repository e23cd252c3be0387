package io.socktrace.runtime;

import io.socktrace.events.AcceptEvent;
import io.socktrace.events.CloseEvent;
import io.socktrace.events.ConnectEvent;
import io.socktrace.events.ConnectionEvent;
import io.socktrace.events.ListenEvent;
import io.socktrace.events.ReceiveEvent;
import io.socktrace.events.ResetEvent;
import io.socktrace.events.SendEvent;
import io.socktrace.events.ShutdownEvent;
import io.socktrace.events.SocketOptionEvent;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketImpl;

/**
 * The calls that advice inlined into {@code sun.nio.ch.NioSocketImpl} (the implementation behind
 * {@code java.net.Socket} and {@code ServerSocket}) makes. Each advice body is one call here, so
 * the logic is plain Java that tests can call without an agent.
 *
 * <p>Every method catches everything: an exception from the agent must never reach the
 * application. A {@code ...Begin} method returns the event to time, or null when the event type is
 * not enabled in any recording; its {@code ...End} counterpart still updates the connection's state
 * (bytes, end of stream, errors), because a later Close needs it even if no Receive was recorded.
 */
public final class SocketTracer {

    /** The timeout the application passed to {@code Socket.connect}; the JDK passes on only what remains. */
    private static final ThreadLocal<int[]> APPLICATION_CONNECT_TIMEOUT = ThreadLocal.withInitial(() -> new int[] {-1});

    private SocketTracer() {
    }

    // ---- connect -------------------------------------------------------------------------------

    /** {@code Socket.connect(SocketAddress, int)} entered: remember the timeout as the application gave it. */
    public static void applicationConnect(int timeoutMillis) {
        try {
            APPLICATION_CONNECT_TIMEOUT.get()[0] = timeoutMillis;
        } catch (Throwable t) {
            AgentLog.error("applicationConnect", t);
        }
    }

    /** {@code Socket.connect(SocketAddress, int)} left. */
    public static void applicationConnectDone() {
        try {
            APPLICATION_CONNECT_TIMEOUT.get()[0] = -1;
        } catch (Throwable t) {
            AgentLog.error("applicationConnectDone", t);
        }
    }

    public static ConnectEvent connectBegin(SocketImpl impl, SocketAddress remote, int remainingMillis) {
        try {
            Connection c = Connections.of(impl);
            c.phase = Connection.Phase.CONNECTING;
            if (remote instanceof InetSocketAddress) {
                InetSocketAddress isa = (InetSocketAddress) remote;
                c.setRemote(isa.getHostString(), isa.getAddress(), isa.getPort());
            }
            ConnectEvent e = new ConnectEvent();
            if (!e.isEnabled()) {
                return null;
            }
            int given = APPLICATION_CONNECT_TIMEOUT.get()[0];
            e.timeout = given >= 0 ? given : remainingMillis;
            e.begin();
            return e;
        } catch (Throwable t) {
            AgentLog.error("connectBegin", t);
            return null;
        }
    }

    public static void connectEnd(SocketImpl impl, ConnectEvent e, Throwable thrown) {
        try {
            Connection c = Connections.of(impl);
            if (thrown == null) {
                c.phase = Connection.Phase.CONNECTED;
                c.establishedNanos = System.nanoTime();
                captureLocal(impl, c);
            } else {
                c.phase = Connection.Phase.FAILED;
            }
            if (e == null) {
                return;
            }
            e.end();
            if (e.shouldCommit()) {
                fill(e, c);
                e.blocking = true;
                e.outcome = ErrorClassifier.connect(thrown).name();
                setException(e, thrown);
                e.communityId = c.communityId();
                if (thrown != null && e.exceptionClass == null) {
                    e.exceptionClass = thrown.getClass().getName();
                }
                e.commit();
            }
        } catch (Throwable t) {
            AgentLog.error("connectEnd", t);
        }
    }

    // ---- listen and accept ----------------------------------------------------------------------

    public static void listened(SocketImpl impl, int backlog, Throwable thrown) {
        try {
            if (thrown != null) {
                return;
            }
            Connection c = Connections.of(impl);
            c.phase = Connection.Phase.LISTENING;
            c.backlog = backlog;
            c.establishedNanos = System.nanoTime();
            captureLocal(impl, c);
            ListenEvent e = new ListenEvent();
            if (e.shouldCommit()) {
                fill(e, c);
                e.backlog = backlog;
                e.effectiveBacklog = Math.min(backlog < 1 ? 50 : backlog, TracerConfig.maxBacklog);
                e.commit();
            }
        } catch (Throwable t) {
            AgentLog.error("listened", t);
        }
    }

    public static AcceptEvent acceptBegin() {
        try {
            AcceptEvent e = new AcceptEvent();
            if (!e.isEnabled()) {
                return null;
            }
            e.begin();
            return e;
        } catch (Throwable t) {
            AgentLog.error("acceptBegin", t);
            return null;
        }
    }

    public static void acceptEnd(SocketImpl listener, AcceptEvent e, SocketImpl accepted, int timeoutMillis, Throwable thrown) {
        try {
            Connection c = null;
            if (thrown == null && accepted != null) {
                c = Connections.of(accepted);
                c.phase = Connection.Phase.CONNECTED;
                c.establishedNanos = System.nanoTime();
                java.net.InetAddress peer = JdkAccess.remoteAddress(accepted);
                c.setRemote(peer == null ? null : peer.getHostAddress(), peer, JdkAccess.remotePort(accepted));
                captureLocal(accepted, c);
            }
            if (e == null) {
                return;
            }
            e.end();
            if (e.shouldCommit()) {
                Connection l = Connections.of(listener);
                if (c != null) {
                    fill(e, c);
                    e.communityId = c.communityId();
                }
                e.listenerId = l.id;
                e.listenAddress = l.localAddressText;
                e.listenPort = l.localPort;
                e.timeout = timeoutMillis;
                e.blocking = true;
                e.outcome = ErrorClassifier.accept(thrown).name();
                setException(e, thrown);
                e.commit();
            }
        } catch (Throwable t) {
            AgentLog.error("acceptEnd", t);
        }
    }

    // ---- read and write -------------------------------------------------------------------------

    public static ReceiveEvent receiveBegin() {
        try {
            ReceiveEvent e = new ReceiveEvent();
            if (!e.isEnabled()) {
                return null;
            }
            e.startNanos = System.nanoTime();
            e.begin();
            return e;
        } catch (Throwable t) {
            AgentLog.error("receiveBegin", t);
            return null;
        }
    }

    public static void receiveEnd(SocketImpl impl, ReceiveEvent e, int n, int timeoutMillis, Throwable thrown) {
        try {
            Connection c = adopted(impl);
            long now = System.nanoTime();
            if (thrown == null) {
                if (n > 0) {
                    c.addBytesRead(n);
                } else if (n < 0 && c.endOfStreamNanos == 0) {
                    c.endOfStreamNanos = now;
                }
            } else {
                noteReset(c, thrown, Operation.READ);
            }
            if (e == null || (thrown == null && now - e.startNanos < TracerConfig.receiveThresholdNanos)) {
                return;
            }
            e.end();
            if (e.shouldCommit()) {
                fill(e, c);
                e.bytesRead = Math.max(n, 0);
                e.endOfStream = thrown == null && n < 0;
                e.timeout = timeoutMillis;
                e.outcome = (thrown != null ? ErrorClassifier.receive(thrown) : n < 0 ? ReceiveOutcome.EOF : ReceiveOutcome.OK).name();
                setException(e, thrown);
                e.commit();
            }
        } catch (Throwable t) {
            AgentLog.error("receiveEnd", t);
        }
    }

    public static SendEvent sendBegin(SocketImpl impl) {
        try {
            SendEvent e = new SendEvent();
            if (!e.isEnabled()) {
                return null;
            }
            e.startNanos = System.nanoTime();
            e.bytesWritten = Connections.of(impl).bytesWritten;
            e.begin();
            return e;
        } catch (Throwable t) {
            AgentLog.error("sendBegin", t);
            return null;
        }
    }

    /** Bytes that reached the kernel, counted as they go so that a failed write still counts what it sent. */
    public static void written(SocketImpl impl, int n) {
        try {
            if (n > 0) {
                Connections.of(impl).addBytesWritten(n);
            }
        } catch (Throwable t) {
            AgentLog.error("written", t);
        }
    }

    public static void sendEnd(SocketImpl impl, SendEvent e, int requested, int timeoutMillis, Throwable thrown) {
        try {
            Connection c = adopted(impl);
            if (thrown != null) {
                noteReset(c, thrown, Operation.WRITE);
            }
            if (e == null || (thrown == null && System.nanoTime() - e.startNanos < TracerConfig.sendThresholdNanos)) {
                return;
            }
            e.end();
            if (e.shouldCommit()) {
                long before = e.bytesWritten;
                fill(e, c);
                e.bytesRequested = requested;
                e.bytesWritten = thrown == null ? requested : Math.max(0, Math.min(requested, c.bytesWritten - before));
                e.timeout = timeoutMillis;
                e.outcome = (thrown == null ? SendOutcome.OK : ErrorClassifier.send(thrown)).name();
                setException(e, thrown);
                e.commit();
            }
        } catch (Throwable t) {
            AgentLog.error("sendEnd", t);
        }
    }

    // ---- close, shutdown, options ---------------------------------------------------------------

    /**
     * Called before the JDK closes the descriptor, while the kernel can still say how much input
     * is unread and which local port a failed connect used.
     */
    public static CloseEvent closeBegin(SocketImpl impl) {
        try {
            Connection c = adopted(impl);
            Connection.Phase phase = c.phase;
            if (phase == Connection.Phase.CONNECTING) {
                // The JDK closes a socket whose connect failed before rethrowing: that is part of
                // the Connect, not a Close. Keep the local port the SYNs went out from, if any.
                if (c.localPort <= 0) {
                    captureLocal(impl, c);
                }
                return null;
            }
            if (phase != Connection.Phase.CONNECTED) {
                if (phase == Connection.Phase.LISTENING || phase == Connection.Phase.NEW) {
                    c.phase = Connection.Phase.CLOSED;
                }
                return null;
            }
            c.phase = Connection.Phase.CLOSED;
            CloseEvent e = new CloseEvent();
            if (!e.isEnabled()) {
                return null;
            }
            long now = System.nanoTime();
            int unread = 0;
            if (c.resetKind == null && c.endOfStreamNanos == 0 && !c.inputShutdown) {
                unread = Math.max(0, JdkAccess.available(impl));
            }
            CloseInitiator initiator = initiator(c, unread);
            e.initiator = initiator.name();
            e.unreadBytes = unread;
            e.linger = c.linger;
            e.closeWaitTime = c.endOfStreamNanos == 0 ? 0 : now - c.endOfStreamNanos;
            e.lifetime = c.establishedNanos == 0 ? 0 : now - c.establishedNanos;
            e.halfClose = halfClose(c);
            e.tcpStateAfter = tcpStateAfter(initiator);
            e.begin();
            return e;
        } catch (Throwable t) {
            AgentLog.error("closeBegin", t);
            return null;
        }
    }

    public static void closeEnd(SocketImpl impl, CloseEvent e, Throwable thrown) {
        try {
            if (e == null) {
                return;
            }
            Connection c = Connections.peek(impl);
            e.end();
            if (c != null && e.shouldCommit()) {
                fill(e, c);
                e.bytesRead = c.bytesRead;
                e.bytesWritten = c.bytesWritten;
                e.communityId = c.communityId();
                e.commit();
            }
        } catch (Throwable t) {
            AgentLog.error("closeEnd", t);
        } finally {
            Connections.forget(impl);
        }
    }

    public static void shutdown(SocketImpl impl, boolean input, Throwable thrown) {
        try {
            if (thrown != null) {
                return;
            }
            Connection c = Connections.of(impl);
            if (input) {
                c.inputShutdown = true;
            } else if (c.outputShutdownNanos == 0) {
                c.outputShutdownNanos = System.nanoTime();
            }
            ShutdownEvent e = new ShutdownEvent();
            if (e.shouldCommit()) {
                fill(e, c);
                e.shutdownInput = input;
                e.shutdownOutput = !input;
                e.commit();
            }
        } catch (Throwable t) {
            AgentLog.error("shutdown", t);
        }
    }

    /** {@code setOption(int, Object)}: the pre-JDK 7 option API, used by Socket's setters. */
    public static void optionSet(SocketImpl impl, int option, Object value, Throwable thrown) {
        try {
            String name = SocketOptionNames.legacyName(option);
            if (name != null) {
                optionSet(impl, name, SocketOptionNames.legacyValue(option, value), thrown);
            }
        } catch (Throwable t) {
            AgentLog.error("optionSet", t);
        }
    }

    /** {@code setOption(SocketOption, T)}. */
    public static void optionSet(SocketImpl impl, java.net.SocketOption<?> option, Object value, Throwable thrown) {
        try {
            if (option != null) {
                optionSet(impl, option.name(), SocketOptionNames.value(option.name(), value), thrown);
            }
        } catch (Throwable t) {
            AgentLog.error("optionSet", t);
        }
    }

    private static void optionSet(SocketImpl impl, String name, String value, Throwable thrown) {
        Connection c = Connections.of(impl);
        if (thrown == null && "SO_LINGER".equals(name)) {
            try {
                c.linger = Integer.parseInt(value);
            } catch (NumberFormatException ignored) {
                c.linger = -1;
            }
        }
        SocketOptionEvent e = new SocketOptionEvent();
        if (e.shouldCommit()) {
            fill(e, c);
            e.option = name;
            e.value = value;
            e.succeeded = thrown == null;
            e.commit();
        }
    }

    // ---- shared helpers -------------------------------------------------------------------------

    static CloseInitiator initiator(Connection c, int unreadBytes) {
        if (c.resetKind != null) {
            return CloseInitiator.AFTER_ERROR;
        }
        if (c.linger == 0 || unreadBytes > 0) {
            return CloseInitiator.ABORT;
        }
        long eof = c.endOfStreamNanos;
        long fin = c.outputShutdownNanos;
        if (eof != 0 && (fin == 0 || eof < fin)) {
            return CloseInitiator.PEER;
        }
        return CloseInitiator.LOCAL;
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
        boolean out = c.outputShutdownNanos != 0;
        return in && out ? "BOTH" : in ? "INPUT" : out ? "OUTPUT" : "NONE";
    }

    /** Records the first reset or broken pipe of a connection as a Reset event. */
    private static void noteReset(Connection c, Throwable thrown, Operation operation) {
        ResetKind kind = ErrorClassifier.resetKind(thrown);
        if (kind == null || c.resetKind != null) {
            return;
        }
        c.resetKind = kind;
        ResetEvent e = new ResetEvent();
        if (e.shouldCommit()) {
            fill(e, c);
            e.kind = kind.name();
            e.operation = operation.name();
            e.bytesRead = c.bytesRead;
            e.bytesWritten = c.bytesWritten;
            e.connectionAge = c.establishedNanos == 0 ? 0 : System.nanoTime() - c.establishedNanos;
            e.endOfStreamSeen = c.endOfStreamNanos != 0;
            e.exceptionClass = thrown.getClass().getName();
            e.exceptionMessage = thrown.getMessage();
            e.commit();
        }
    }

    /**
     * The connection of a socket that is in use. A socket connected before the agent arrived (late
     * attach) is first seen here: its endpoints are read from the JDK and it counts as connected,
     * with an unknown start.
     */
    private static Connection adopted(SocketImpl impl) {
        Connection c = Connections.of(impl);
        if (c.phase == Connection.Phase.NEW) {
            int port = JdkAccess.remotePort(impl);
            if (port > 0) {
                java.net.InetAddress peer = JdkAccess.remoteAddress(impl);
                c.setRemote(peer == null ? null : peer.getHostAddress(), peer, port);
                captureLocal(impl, c);
                c.phase = Connection.Phase.CONNECTED;
            }
        }
        return c;
    }

    private static void captureLocal(SocketImpl impl, Connection c) {
        InetSocketAddress local = JdkAccess.localAddress(impl);
        if (local != null) {
            c.setLocal(local.getAddress(), local.getPort());
        }
    }

    private static void fill(ConnectionEvent e, Connection c) {
        e.connectionId = c.id;
        e.host = c.host;
        e.address = c.remoteAddressText;
        e.port = c.remotePort;
        e.localAddress = c.localAddressText;
        e.localPort = c.localPort;
    }

    private static void setException(ConnectEvent e, Throwable t) {
        if (t != null) {
            e.exceptionClass = t.getClass().getName();
            e.exceptionMessage = t.getMessage();
        }
    }

    private static void setException(AcceptEvent e, Throwable t) {
        if (t != null) {
            e.exceptionClass = t.getClass().getName();
            e.exceptionMessage = t.getMessage();
        }
    }

    private static void setException(ReceiveEvent e, Throwable t) {
        if (t != null) {
            e.exceptionClass = t.getClass().getName();
            e.exceptionMessage = t.getMessage();
        }
    }

    private static void setException(SendEvent e, Throwable t) {
        if (t != null) {
            e.exceptionClass = t.getClass().getName();
            e.exceptionMessage = t.getMessage();
        }
    }
}
