package io.socktrace.runtime;

import io.socktrace.events.AcceptEvent;
import io.socktrace.events.CloseEvent;
import io.socktrace.events.ConnectEvent;
import io.socktrace.events.ReceiveEvent;
import io.socktrace.events.SendEvent;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;

/**
 * The calls advice inlined into {@code sun.nio.ch.SocketChannelImpl} and
 * {@code ServerSocketChannelImpl} makes: {@code SocketChannel}/{@code ServerSocketChannel},
 * blocking and non-blocking, and the socket adaptors ({@code SocketChannel.socket()}), whose
 * operations arrive through the channel's {@code blocking...} methods and so give one event each.
 *
 * <p>A non-blocking connect is one Connect from {@code connect()} to the {@code finishConnect()}
 * that completes or fails it. Non-blocking reads that return nothing are no events; non-blocking
 * writes that return short make one Send for the whole stall. Every method catches everything; an
 * {@code ...End} method returns the event for the advice to commit, or null (see {@link SocketTracer}).
 */
public final class ChannelTracer {

    private ChannelTracer() {
    }

    // ---- connect ----------------------------------------------------------------------------------

    /** {@code connect(SocketAddress)}, blocking or not. */
    public static ConnectEvent connectBegin(Object channel, SocketAddress remote) {
        try {
            ConnectTracing.enterConnect();
            return ConnectTracing.connectBegin(channel, remote, 0);
        } catch (Throwable t) {
            AgentLog.error("channel connectBegin", t);
            return null;
        }
    }

    /** {@code connect} returned {@code connected} (false: a non-blocking connect is in progress). */
    public static ConnectEvent connectEnd(Object channel, ConnectEvent e, boolean connected, Throwable thrown) {
        try {
            ConnectTracing.leaveConnect();
            return ConnectTracing.connectReturned(channel, Connections.of(channel), e, connected,
                    ((SelectableChannel) channel).isBlocking(), thrown);
        } catch (Throwable t) {
            AgentLog.error("channel connectEnd", t);
            return null;
        }
    }

    /** {@code finishConnect()} entered: a close inside it belongs to the connect. */
    public static void finishConnectBegin() {
        try {
            ConnectTracing.enterConnect();
        } catch (Throwable t) {
            AgentLog.error("finishConnectBegin", t);
        }
    }

    /** {@code finishConnect()} returned {@code connected}, or threw. */
    public static ConnectEvent finishConnectEnd(Object channel, boolean connected, Throwable thrown) {
        try {
            ConnectTracing.leaveConnect();
            return ConnectTracing.finishReturned(channel, Connections.of(channel), connected,
                    ((SelectableChannel) channel).isBlocking(), thrown);
        } catch (Throwable t) {
            AgentLog.error("finishConnectEnd", t);
            return null;
        }
    }

    /** {@code blockingConnect(SocketAddress, long nanos)}: {@code Socket.connect} on an adaptor. */
    public static ConnectEvent blockingConnectBegin(Object channel, SocketAddress remote, long timeoutNanos) {
        try {
            ConnectTracing.enterConnect();
            return ConnectTracing.connectBegin(channel, remote, Tracing.nanosToMillis(timeoutNanos));
        } catch (Throwable t) {
            AgentLog.error("blockingConnectBegin", t);
            return null;
        }
    }

    public static ConnectEvent blockingConnectEnd(Object channel, ConnectEvent e, Throwable thrown) {
        try {
            ConnectTracing.leaveConnect();
            return ConnectTracing.connectDone(channel, Connections.of(channel), e, true, thrown);
        } catch (Throwable t) {
            AgentLog.error("blockingConnectEnd", t);
            return null;
        }
    }

    // ---- listen and accept ------------------------------------------------------------------------

    /** {@code ServerSocketChannel.bind(SocketAddress, int)} returned; {@code local} is its bound address. */
    public static void bound(Object listener, SocketAddress local, int backlog, Throwable thrown) {
        try {
            if (thrown != null) {
                return;
            }
            if (local != null && !(local instanceof InetSocketAddress)) {
                Connections.of(listener).ignored = true;
                return;
            }
            ConnectTracing.listened(listener, backlog);
        } catch (Throwable t) {
            AgentLog.error("bound", t);
        }
    }

    public static AcceptEvent acceptBegin() {
        return SocketTracer.acceptBegin();
    }

    /** {@code accept()} or {@code blockingAccept(nanos)} returned {@code accepted} (null: nothing pending). */
    public static AcceptEvent acceptEnd(Object listener, AcceptEvent e, SocketChannel accepted, long timeoutNanos, Throwable thrown) {
        try {
            SocketAddress remote = accepted == null ? null : JdkAccess.remote(accepted);
            boolean blocking = ((SelectableChannel) listener).isBlocking();
            return ConnectTracing.accepted(listener, e, accepted, remote, Tracing.nanosToMillis(timeoutNanos), blocking, thrown);
        } catch (Throwable t) {
            AgentLog.error("channel acceptEnd", t);
            return null;
        }
    }

    // ---- read and write ---------------------------------------------------------------------------

    /** A blocking read begins ({@code blockingRead}, an adaptor's stream): its start time, or 0 when Receive is not recorded. */
    public static long blockingReceiveBegin(Object channel) {
        try {
            Connections.of(channel).readsBegun++;
            return TransferTracing.receiveStart();
        } catch (Throwable t) {
            AgentLog.error("channel receiveBegin", t);
            return 0;
        }
    }

    /**
     * A read begins on a channel in either mode: its start time, 0 when Receive is not recorded,
     * or {@link TransferTracing#UNTIMED} for a non-blocking read that is not timed.
     */
    public static long receiveBegin(Object channel) {
        try {
            Connections.of(channel).readsBegun++;
            return TransferTracing.receiveStart(!((SelectableChannel) channel).isBlocking());
        } catch (Throwable t) {
            AgentLog.error("channel receiveBegin", t);
            return 0;
        }
    }

    /** {@code read(ByteBuffer)}, {@code read(ByteBuffer[],int,int)} and {@code blockingRead(..., nanos)}. */
    public static ReceiveEvent receiveEnd(Object channel, long startNanos, long n, long timeoutNanos, Throwable thrown) {
        try {
            return TransferTracing.received(channel, startNanos, n, Tracing.nanosToMillis(timeoutNanos), thrown);
        } catch (Throwable t) {
            AgentLog.error("channel receiveEnd", t);
            return null;
        } finally {
            TransferTracing.readEnded(channel);
        }
    }

    /**
     * A write begins: its start time, 0 when Send is not recorded, or {@link TransferTracing#UNTIMED}
     * for a non-blocking write that is not timed.
     */
    public static long sendBegin(Object channel) {
        try {
            Connections.of(channel).writesBegun++;
            return TransferTracing.sendStart(!((SelectableChannel) channel).isBlocking());
        } catch (Throwable t) {
            AgentLog.error("channel sendBegin", t);
            return 0;
        }
    }

    /** {@code write(ByteBuffer)}: what was asked is what it wrote plus what is left in the buffer. */
    public static SendEvent sendEnd(Object channel, long e, ByteBuffer source, int n, Throwable thrown) {
        try {
            long left = source == null ? 0 : source.remaining();
            return sent(channel, e, Math.max(n, 0) + left, n, thrown);
        } catch (Throwable t) {
            AgentLog.error("channel sendEnd", t);
            return null;
        } finally {
            TransferTracing.writeEnded(channel);
        }
    }

    /** {@code write(ByteBuffer[], int, int)}, the gathering write. */
    public static SendEvent sendEnd(Object channel, long e, ByteBuffer[] sources, int offset, int length, long n, Throwable thrown) {
        try {
            return sent(channel, e, Math.max(n, 0) + TransferTracing.remaining(sources, offset, length), n, thrown);
        } catch (Throwable t) {
            AgentLog.error("channel sendEnd", t);
            return null;
        } finally {
            TransferTracing.writeEnded(channel);
        }
    }

    /** {@code blockingWriteFully(byte[], int, int)}: {@code OutputStream.write} on an adaptor. */
    public static SendEvent writeFullyEnd(Object channel, long e, int length, Throwable thrown) {
        try {
            return TransferTracing.sent(channel, e, length, thrown == null ? length : 0, true, 0, thrown);
        } catch (Throwable t) {
            AgentLog.error("writeFullyEnd", t);
            return null;
        } finally {
            TransferTracing.writeEnded(channel);
        }
    }

    private static SendEvent sent(Object channel, long e, long requested, long n, Throwable thrown) {
        return TransferTracing.sent(channel, e, requested, Math.max(n, 0), ((SelectableChannel) channel).isBlocking(), 0, thrown);
    }

    // ---- close and shutdown -----------------------------------------------------------------------

    /** {@code implCloseSelectableChannel()}: the application's close, for both channel types. */
    public static CloseEvent closeBegin(Object channel) {
        try {
            return CloseTracing.closeBegin(channel);
        } catch (Throwable t) {
            AgentLog.error("channel closeBegin", t);
            return null;
        }
    }

    public static CloseEvent closeEnd(Object channel, CloseEvent e) {
        try {
            return CloseTracing.closeEnd(channel, e);
        } catch (Throwable t) {
            AgentLog.error("channel closeEnd", t);
            return null;
        }
    }

    /** {@code shutdownOutput()} begins, before our FIN goes. */
    public static void shutdownOutputBegin(Object channel) {
        try {
            CloseTracing.outputShutdownBegins(channel);
        } catch (Throwable t) {
            AgentLog.error("channel shutdownOutputBegin", t);
        }
    }

    public static void shutdown(Object channel, boolean input, Throwable thrown) {
        try {
            if (thrown == null) {
                CloseTracing.shutdown(channel, input);
            }
        } catch (Throwable t) {
            AgentLog.error("channel shutdown", t);
        }
    }
}
