package io.socktrace.runtime;

import io.socktrace.events.AcceptEvent;
import io.socktrace.events.CloseEvent;
import io.socktrace.events.ConnectEvent;
import io.socktrace.events.ReceiveEvent;
import io.socktrace.events.SendEvent;
import java.net.SocketAddress;
import java.net.SocketImpl;

/**
 * The calls that advice inlined into {@code sun.nio.ch.NioSocketImpl} (the implementation behind
 * {@code java.net.Socket} and {@code ServerSocket}) makes. Each advice body is one call here.
 *
 * <p>Every method catches everything: an exception from the agent must never reach the
 * application. A {@code ...Begin} method returns the event to time, or null when the event type is
 * not enabled in any recording; its {@code ...End} counterpart still updates the connection's state
 * (bytes, end of stream, errors), because a later Close needs it even if no Receive was recorded,
 * and returns the event for the advice to commit (or null): committed from the advice, an event's
 * stack trace starts at the JDK method the application called, as the JDK's own events do.
 */
public final class SocketTracer {

    /** The timeout the application passed to {@code Socket.connect}; the JDK passes on only what remains. */
    private static final ThreadLocal<int[]> APPLICATION_CONNECT_TIMEOUT = ThreadLocal.withInitial(() -> new int[] {-1});

    private SocketTracer() {
    }

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
            ConnectTracing.enterConnect();
            int given = APPLICATION_CONNECT_TIMEOUT.get()[0];
            return ConnectTracing.connectBegin(impl, remote, given >= 0 ? given : remainingMillis);
        } catch (Throwable t) {
            AgentLog.error("connectBegin", t);
            return null;
        }
    }

    public static ConnectEvent connectEnd(SocketImpl impl, ConnectEvent e, Throwable thrown) {
        try {
            ConnectTracing.leaveConnect();
            return ConnectTracing.connectDone(impl, Connections.of(impl), e, true, thrown);
        } catch (Throwable t) {
            AgentLog.error("connectEnd", t);
            return null;
        }
    }

    /**
     * {@code sun.nio.ch.Net.localAddress(FileDescriptor)} returned {@code local}: inside a connect,
     * the address the JDK looked up as the connection was established.
     */
    public static void localAddressReturned(java.net.InetSocketAddress local) {
        try {
            ConnectTracing.localAddressReturned(local);
        } catch (Throwable t) {
            AgentLog.error("localAddressReturned", t);
        }
    }

    public static void listened(SocketImpl impl, int backlog, Throwable thrown) {
        try {
            if (thrown == null) {
                ConnectTracing.listened(impl, backlog);
            }
        } catch (Throwable t) {
            AgentLog.error("listened", t);
        }
    }

    public static AcceptEvent acceptBegin() {
        try {
            return ConnectTracing.acceptBegin();
        } catch (Throwable t) {
            AgentLog.error("acceptBegin", t);
            return null;
        }
    }

    public static AcceptEvent acceptEnd(SocketImpl listener, AcceptEvent e, SocketImpl accepted, int timeoutMillis, Throwable thrown) {
        try {
            boolean ok = thrown == null && accepted != null;
            return ConnectTracing.accepted(listener, e, ok ? accepted : null, ok ? JdkAccess.remote(accepted) : null, timeoutMillis, true, thrown);
        } catch (Throwable t) {
            AgentLog.error("acceptEnd", t);
            return null;
        }
    }

    /** A read begins: its start time, or 0 when Receive is not recorded. */
    public static long receiveBegin(SocketImpl impl) {
        try {
            Connections.of(impl).readsBegun++;
            return TransferTracing.receiveStart();
        } catch (Throwable t) {
            AgentLog.error("receiveBegin", t);
            return 0;
        }
    }

    public static ReceiveEvent receiveEnd(SocketImpl impl, long startNanos, int n, int timeoutMillis, Throwable thrown) {
        try {
            return TransferTracing.received(impl, startNanos, n, timeoutMillis, thrown);
        } catch (Throwable t) {
            AgentLog.error("receiveEnd", t);
            return null;
        } finally {
            TransferTracing.readEnded(impl);
        }
    }

    /** A write begins: its start time, or 0 when Send is not recorded. */
    public static long sendBegin(SocketImpl impl) {
        try {
            Connections.of(impl).writesBegun++;
            return TransferTracing.sendStart(impl);
        } catch (Throwable t) {
            AgentLog.error("sendBegin", t);
            return 0;
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

    public static SendEvent sendEnd(SocketImpl impl, long startNanos, int requested, int timeoutMillis, Throwable thrown) {
        try {
            return TransferTracing.sent(impl, startNanos, requested, -1, true, timeoutMillis, thrown);
        } catch (Throwable t) {
            AgentLog.error("sendEnd", t);
            return null;
        } finally {
            TransferTracing.writeEnded(impl);
        }
    }

    /** {@code SSLSocketImpl.close()} begins: the failures it meets until it returns are its own (see {@link InsideJdk}). */
    public static void tlsCloseBegin(Object sslSocket) {
        try {
            InsideJdk.enterTlsClose();
            CloseTracing.tlsCloseBegins(JdkAccess.tlsTransport(sslSocket));
        } catch (Throwable t) {
            AgentLog.error("tlsCloseBegin", t);
        }
    }

    /** {@code SSLSocketImpl.close()} returned or threw. */
    public static void tlsCloseEnd() {
        try {
            InsideJdk.exitTlsClose();
        } catch (Throwable t) {
            AgentLog.error("tlsCloseEnd", t);
        }
    }

    /**
     * Called before the JDK closes the descriptor, while the kernel can still say how much input
     * is unread and which local port a failed connect used.
     */
    public static CloseEvent closeBegin(SocketImpl impl) {
        try {
            return CloseTracing.closeBegin(impl);
        } catch (Throwable t) {
            AgentLog.error("closeBegin", t);
            return null;
        }
    }

    public static CloseEvent closeEnd(SocketImpl impl, CloseEvent e, Throwable thrown) {
        try {
            return CloseTracing.closeEnd(impl, e);
        } catch (Throwable t) {
            AgentLog.error("closeEnd", t);
            return null;
        }
    }

    /** {@code shutdownOutput()} begins, before our FIN goes (see {@link CloseTracing#outputShutdownBegins}). */
    public static void shutdownOutputBegin(SocketImpl impl) {
        try {
            CloseTracing.outputShutdownBegins(impl);
        } catch (Throwable t) {
            AgentLog.error("shutdownOutputBegin", t);
        }
    }

    public static void shutdown(SocketImpl impl, boolean input, Throwable thrown) {
        try {
            if (thrown == null) {
                CloseTracing.shutdown(impl, input);
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
                Tracing.optionSet(impl, name, SocketOptionNames.legacyValue(option, value), thrown);
            }
        } catch (Throwable t) {
            AgentLog.error("optionSet", t);
        }
    }

    /** {@code setOption(SocketOption, T)}, here and on every channel type. */
    public static void optionSet(Object socket, java.net.SocketOption<?> option, Object value, Throwable thrown) {
        try {
            if (option != null) {
                Tracing.optionSet(socket, option.name(), SocketOptionNames.value(option.name(), value), thrown);
            }
        } catch (Throwable t) {
            AgentLog.error("optionSet", t);
        }
    }
}
