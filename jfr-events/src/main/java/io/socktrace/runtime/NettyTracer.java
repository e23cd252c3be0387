package io.socktrace.runtime;

import io.socktrace.events.AcceptEvent;
import io.socktrace.events.CloseEvent;
import io.socktrace.events.ConnectEvent;
import io.socktrace.events.ReceiveEvent;
import io.socktrace.events.SendEvent;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;

/**
 * The calls advice inlined into Netty's native transports makes: {@code io.netty.channel.unix.Socket}
 * and {@code FileDescriptor} (epoll, and every relocated copy such as gRPC's), the Java wrappers
 * around Netty's JNI calls, one wrapper call per system call. They follow NIO's non-blocking
 * conventions, so they give the same events as {@link ChannelTracer}: a connect from
 * {@code connect} to the {@code finishConnect} that completes it (or the close that ends it, Netty's
 * own connect timeout), reads that return nothing are no events, short writes are one send stall.
 *
 * <p>Netty's objects arrive as {@code Object}: the runtime never links against Netty, and one JVM may
 * hold several copies in several class loaders. An accepted connection's socket object does not
 * exist yet when {@code accept(byte[])} returns its descriptor: the accept waits on this thread
 * until Netty builds the socket for that descriptor, which it does at once on the same thread.
 * Every method catches everything.
 */
public final class NettyTracer {

    /** An accept that returned a descriptor whose socket object is not built yet. */
    private static final class PendingAccept {
        Object listener;
        AcceptEvent event;
        int fd = -1;
        InetSocketAddress remote;
    }

    private static final ThreadLocal<PendingAccept> PENDING_ACCEPT = ThreadLocal.withInitial(PendingAccept::new);

    /** Netty's {@code FileDescriptor} state bits (closed, input shut down, output shut down). */
    private static final int STATE_CLOSED = 1;
    private static final int STATE_INPUT_SHUTDOWN = 2;
    private static final int STATE_OUTPUT_SHUTDOWN = 4;

    /** An iovec (base pointer, length) on 64-bit Linux; Netty's {@code IOV_MAX} bounds how many one writev passes. */
    private static final int IOVEC_SIZE = 16;
    private static final int MAX_IOVECS = 1024;

    private NettyTracer() {
    }

    /**
     * Netty made a {@code ConnectTimeoutException}: its connect-timeout task is about to close the
     * pending connect (epoll's or NIO's), which is then recorded TIMED_OUT with Netty's message.
     */
    public static void connectTimedOut(Throwable timeout) {
        try {
            ConnectTracing.applicationTimedOut(timeout);
        } catch (Throwable t) {
            AgentLog.error("netty connect timeout", t);
        }
    }

    /** A UDP or Unix domain socket was made: nothing it does is a TCP connection. */
    public static void notTcp(Object socket) {
        try {
            if (socket != null) {
                Connections.of(socket).ignored = true;
            }
        } catch (Throwable t) {
            AgentLog.error("netty notTcp", t);
        }
    }

    // ---- connect ----------------------------------------------------------------------------------

    /** {@code Socket.connect(SocketAddress)} entered. */
    public static ConnectEvent connectBegin(Object socket, SocketAddress remote) {
        try {
            if (!(remote instanceof InetSocketAddress)) {
                Connections.of(socket).ignored = true; // a Unix domain or vsock socket
                return null;
            }
            return ConnectTracing.connectBegin(socket, remote, 0);
        } catch (Throwable t) {
            AgentLog.error("netty connectBegin", t);
            return null;
        }
    }

    /** {@code connect} returned {@code connected} (false: in progress, finished by finishConnect), or threw. */
    public static ConnectEvent connectEnd(Object socket, ConnectEvent e, boolean connected, Throwable thrown) {
        try {
            Connection c = Connections.peek(socket);
            if (c == null || c.ignored || c.phase != Connection.Phase.CONNECTING) {
                return null;
            }
            return ConnectTracing.connectReturned(socket, c, e, connected, false, thrown);
        } catch (Throwable t) {
            AgentLog.error("netty connectEnd", t);
            return null;
        }
    }

    /** {@code Socket.finishConnect()} returned {@code connected}, or threw. */
    public static ConnectEvent finishConnectEnd(Object socket, boolean connected, Throwable thrown) {
        try {
            Connection c = Connections.peek(socket);
            return c == null || c.ignored ? null : ConnectTracing.finishReturned(socket, c, connected, false, thrown);
        } catch (Throwable t) {
            AgentLog.error("netty finishConnectEnd", t);
            return null;
        }
    }

    // ---- listen and accept ------------------------------------------------------------------------

    /** {@code Socket.bind(SocketAddress)} returned: a listener (or a client bound first) of a kind known now. */
    public static void bound(Object socket, SocketAddress local, Throwable thrown) {
        try {
            if (thrown == null && local != null && !(local instanceof InetSocketAddress)) {
                Connections.of(socket).ignored = true;
            }
        } catch (Throwable t) {
            AgentLog.error("netty bound", t);
        }
    }

    /** {@code Socket.listen(int)} returned. */
    public static void listened(Object socket, int backlog, Throwable thrown) {
        try {
            Connection c = Connections.peek(socket);
            if (thrown == null && (c == null || !c.ignored)) {
                ConnectTracing.listened(socket, backlog);
            }
        } catch (Throwable t) {
            AgentLog.error("netty listened", t);
        }
    }

    public static AcceptEvent acceptBegin() {
        return SocketTracer.acceptBegin();
    }

    /**
     * {@code Socket.accept(byte[])} returned {@code fd} (-1: nothing pending, no event), or threw.
     * A new connection is recorded when its socket object is built ({@link #created}).
     */
    public static AcceptEvent acceptEnd(Object listener, AcceptEvent e, int fd, byte[] address, Throwable thrown) {
        try {
            Connection l = Connections.peek(listener);
            if (l != null && l.ignored) {
                return null;
            }
            if (thrown != null) {
                return ConnectTracing.accepted(listener, e, null, null, 0, false, thrown);
            }
            if (fd < 0) {
                return null;
            }
            PendingAccept pending = PENDING_ACCEPT.get();
            pending.listener = listener;
            pending.event = e;
            pending.fd = fd;
            pending.remote = NettySockets.acceptedPeer(address);
            return null;
        } catch (Throwable t) {
            AgentLog.error("netty acceptEnd", t);
            return null;
        }
    }

    /** A Netty socket object was built for descriptor {@code fd}: an accepted one if this thread just accepted it. */
    public static AcceptEvent created(Object socket, int fd) {
        try {
            PendingAccept pending = PENDING_ACCEPT.get();
            if (pending.fd != fd || fd < 0) {
                return null;
            }
            Object listener = pending.listener;
            AcceptEvent e = pending.event;
            InetSocketAddress remote = pending.remote;
            pending.listener = null;
            pending.event = null;
            pending.fd = -1;
            pending.remote = null;
            return ConnectTracing.accepted(listener, e, socket, remote != null ? remote : JdkAccess.remote(socket), 0, false, null);
        } catch (Throwable t) {
            AgentLog.error("netty created", t);
            return null;
        }
    }

    // ---- read and write ---------------------------------------------------------------------------

    /** {@code recv}/{@code recvAddress} entered: see {@link ChannelTracer#receiveBegin}. */
    public static long receiveBegin(Object socket) {
        try {
            Connections.of(socket).readsBegun++;
            return TransferTracing.receiveStart(true);
        } catch (Throwable t) {
            AgentLog.error("netty receiveBegin", t);
            return 0;
        }
    }

    /** A read returned {@code n} bytes (0: nothing there; -1: end of stream), or threw. */
    public static ReceiveEvent receiveEnd(Object socket, long startNanos, int n, Throwable thrown) {
        try {
            return TransferTracing.received(socket, startNanos, n, 0, thrown);
        } catch (Throwable t) {
            AgentLog.error("netty receiveEnd", t);
            return null;
        } finally {
            TransferTracing.readEnded(socket);
        }
    }

    /** A write entered ({@code send}, {@code sendAddress}, {@code writev}, {@code writevAddresses}, {@code sendFile}). */
    public static long sendBegin(Object socket) {
        try {
            Connections.of(socket).writesBegun++;
            return TransferTracing.sendStart(true);
        } catch (Throwable t) {
            AgentLog.error("netty sendBegin", t);
            return 0;
        }
    }

    /** A write of {@code requested} bytes returned {@code n} (0: the send buffer is full), or threw. */
    public static SendEvent sendEnd(Object socket, long startNanos, long requested, long n, Throwable thrown) {
        try {
            return TransferTracing.sent(socket, startNanos, requested, Math.max(n, 0), false, 0, thrown);
        } catch (Throwable t) {
            AgentLog.error("netty sendEnd", t);
            return null;
        } finally {
            TransferTracing.writeEnded(socket);
        }
    }

    /** What {@code writev(ByteBuffer[], offset, length, maxBytes)} asks to write. */
    public static long requested(ByteBuffer[] buffers, int offset, int length, long maxBytes) {
        return Math.min(TransferTracing.remaining(buffers, offset, Math.min(length, MAX_IOVECS)), maxBytes);
    }

    /**
     * What {@code writevAddresses(address, count)} asked to write: the sum of the lengths of the
     * {@code count} iovecs at {@code address}. Read only after the write returned without an error,
     * which means the kernel read the same iovecs; -1 when they cannot be read.
     */
    public static long requested(long address, int count, long written) {
        try {
            if (address == 0 || count <= 0 || count > MAX_IOVECS || Iovecs.GET_LONG == null) {
                return written;
            }
            long sum = 0;
            for (int i = 0; i < count; i++) {
                sum += (long) Iovecs.GET_LONG.invokeExact(address + (long) i * IOVEC_SIZE + 8);
            }
            return sum < written ? written : sum;
        } catch (Throwable t) {
            return written;
        }
    }

    /**
     * {@code jdk.internal.misc.Unsafe.getLong(long)} bound to the JDK's instance, for reading the
     * iovec lengths Netty handed the kernel (the agent opens {@code jdk.internal.misc} to the
     * runtime; {@code sun.misc.Unsafe}'s memory access would print a warning on JDK 24+). Null when
     * it cannot be had: gathering writes are then taken as written in full.
     */
    private static final class Iovecs {
        static final java.lang.invoke.MethodHandle GET_LONG = getLong();

        private static java.lang.invoke.MethodHandle getLong() {
            try {
                Class<?> type = Class.forName("jdk.internal.misc.Unsafe", false, null);
                java.lang.invoke.MethodHandles.Lookup lookup = java.lang.invoke.MethodHandles.privateLookupIn(type,
                        java.lang.invoke.MethodHandles.lookup());
                Object unsafe = lookup.findStatic(type, "getUnsafe", java.lang.invoke.MethodType.methodType(type)).invoke();
                return lookup.findVirtual(type, "getLong", java.lang.invoke.MethodType.methodType(long.class, long.class)).bindTo(unsafe);
            } catch (Throwable t) {
                AgentLog.debug("cannot read Netty's iovecs (" + t + "): its gathering writes count as written in full");
                return null;
            }
        }
    }

    // ---- options ----------------------------------------------------------------------------------

    /** An option setter of Netty's socket returned: {@code method} names the option ({@code setSoLinger}). */
    public static void optionSet(Object socket, String method, Object value, Throwable thrown) {
        try {
            String name = optionName(method);
            if (name != null) {
                Tracing.optionSet(socket, name, String.valueOf(value), thrown);
            }
        } catch (Throwable t) {
            AgentLog.error("netty optionSet", t);
        }
    }

    /** The JDK's name of the option a Netty setter sets (the names the JDK's own setters record), or null. */
    static String optionName(String method) {
        switch (method) {
            case "setSoLinger": return "SO_LINGER";
            case "setTcpNoDelay": return "TCP_NODELAY";
            case "setKeepAlive": return "SO_KEEPALIVE";
            case "setReceiveBufferSize": return "SO_RCVBUF";
            case "setSendBufferSize": return "SO_SNDBUF";
            case "setReuseAddress": return "SO_REUSEADDR";
            case "setReusePort": return "SO_REUSEPORT";
            case "setTcpKeepIdle": return "TCP_KEEPIDLE";
            case "setTcpKeepIntvl": return "TCP_KEEPINTERVAL";
            case "setTcpKeepCnt": return "TCP_KEEPCOUNT";
            case "setTcpUserTimeout": return "TCP_USER_TIMEOUT";
            default: return null;
        }
    }

    // ---- close and shutdown -----------------------------------------------------------------------

    /**
     * {@code FileDescriptor.close()} entered with Netty's {@code state}. Netty closes pipes, eventfds
     * and its epoll descriptor through the same method: only sockets the runtime saw in use count.
     */
    public static CloseEvent closeBegin(Object descriptor, int state) {
        try {
            if ((state & STATE_CLOSED) != 0 || Connections.peek(descriptor) == null) {
                return null;
            }
            return CloseTracing.closeBegin(descriptor);
        } catch (Throwable t) {
            AgentLog.error("netty closeBegin", t);
            return null;
        }
    }

    public static CloseEvent closeEnd(Object descriptor, CloseEvent e) {
        try {
            return CloseTracing.closeEnd(descriptor, e);
        } catch (Throwable t) {
            AgentLog.error("netty closeEnd", t);
            return null;
        }
    }

    /** {@code shutdown(input, output)} entered: the peer's FIN already here before ours goes means it closed first. */
    public static void shutdownBegin(Object socket, boolean output, int state) {
        try {
            if (output && (state & STATE_OUTPUT_SHUTDOWN) == 0 && (state & STATE_CLOSED) == 0) {
                CloseTracing.outputShutdownBegins(socket);
            }
        } catch (Throwable t) {
            AgentLog.error("netty shutdownBegin", t);
        }
    }

    /**
     * {@code shutdown(input, output)} returned: a Shutdown for each half it shut now. Netty makes no
     * system call for a half already shut, and shuts the input itself after an end of stream.
     */
    public static void shutdownEnd(Object socket, int before, int after, Throwable thrown) {
        try {
            if (thrown != null || Connections.peek(socket) == null) {
                return;
            }
            if ((before & STATE_INPUT_SHUTDOWN) == 0 && (after & STATE_INPUT_SHUTDOWN) != 0) {
                CloseTracing.shutdown(socket, true);
            }
            if ((before & STATE_OUTPUT_SHUTDOWN) == 0 && (after & STATE_OUTPUT_SHUTDOWN) != 0) {
                CloseTracing.shutdown(socket, false);
            }
        } catch (Throwable t) {
            AgentLog.error("netty shutdownEnd", t);
        }
    }
}
