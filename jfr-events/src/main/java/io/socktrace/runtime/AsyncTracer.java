package io.socktrace.runtime;

import io.socktrace.events.AcceptEvent;
import io.socktrace.events.ConnectEvent;
import io.socktrace.events.ReceiveEvent;
import io.socktrace.events.SendEvent;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The calls advice inlined into {@code AsynchronousSocketChannelImpl},
 * {@code AsynchronousServerSocketChannelImpl}, their Unix subclasses and {@code PendingFuture}
 * makes. An asynchronous read, write, connect or accept is one event from the call that starts
 * it to its completion, recorded when the completion is delivered (handler) or set (Future).
 */
public final class AsyncTracer {

    private AsyncTracer() {
    }

    /** Starts a read or write; returns the operation to pass to {@link #wrap} and {@link #issued}. */
    public static Object begin(Object channel, boolean write, ByteBuffer buffer, ByteBuffer[] buffers, long timeout, TimeUnit unit) {
        try {
            long requested = buffer != null ? buffer.remaining() : buffers != null ? TransferTracing.remaining(buffers, 0, buffers.length) : 0;
            long timeoutMillis = timeout > 0 && unit != null ? unit.toMillis(timeout) : 0;
            // timed until it completes (a completion counts what it wrote: nothing to note at the start)
            long start = write ? TransferTracing.sendStart(false) : TransferTracing.receiveStart();
            AsyncOperation op = new AsyncOperation(channel, write ? Operation.WRITE : Operation.READ, null, requested, timeoutMillis);
            op.startNanos = start;
            return op;
        } catch (Throwable t) {
            AgentLog.error("async begin", t);
            return null;
        }
    }

    /** Starts a connect ({@code implConnect}). */
    public static Object connectBegin(Object channel, java.net.SocketAddress remote) {
        try {
            ConnectEvent e = ConnectTracing.connectBegin(channel, remote, 0);
            return new AsyncOperation(channel, Operation.CONNECT, e, 0, 0);
        } catch (Throwable t) {
            AgentLog.error("async connectBegin", t);
            return null;
        }
    }

    /** Starts an accept ({@code implAccept}) on a listening channel. */
    public static Object acceptBegin(Object listener) {
        try {
            return new AsyncOperation(listener, Operation.ACCEPT, ConnectTracing.acceptBegin(), 0, 0);
        } catch (Throwable t) {
            AgentLog.error("async acceptBegin", t);
            return null;
        }
    }

    /** The handler to give the JDK instead of the application's: the same one, wrapped. */
    @SuppressWarnings("unchecked")
    public static CompletionHandler<?, ?> wrap(CompletionHandler<?, ?> handler, Object operation) {
        if (handler == null || !(operation instanceof AsyncOperation)) {
            return handler;
        }
        try {
            return new AsyncOperation.TracedHandler((CompletionHandler<Object, Object>) handler, (AsyncOperation) operation);
        } catch (Throwable t) {
            AgentLog.error("async wrap", t);
            return handler;
        }
    }

    /**
     * The starting call returned {@code future} (Future style), or threw. A Future that is done
     * already (the operation completed at once) is recorded now; otherwise when the JDK sets it.
     */
    public static void issued(Object operation, CompletionHandler<?, ?> handler, Future<?> future, Throwable thrown) {
        try {
            if (!(operation instanceof AsyncOperation)) {
                return;
            }
            AsyncOperation op = (AsyncOperation) operation;
            if (thrown != null) {
                complete(op, null, thrown);
                return;
            }
            if (handler instanceof AsyncOperation.TracedHandler || future == null) {
                return; // completion comes through the handler
            }
            op.future = future;
            Connection c = Connections.of(op.channel);
            synchronized (c) {
                Connection.Rare rare = c.rare();
                if (rare.pendingAsync == null) {
                    rare.pendingAsync = new AsyncOperation[Operation.values().length];
                }
                rare.pendingAsync[op.kind.ordinal()] = op;
            }
            if (future.isDone()) {
                completeFromDoneFuture(op, future);
            }
        } catch (Throwable t) {
            AgentLog.error("async issued", t);
        }
    }

    /** {@code PendingFuture.setResult} or {@code setFailure} on a future of {@code channel}. */
    public static void futureSet(Object channel, Object future, Object result, Throwable failure) {
        try {
            if (!(channel instanceof AsynchronousSocketChannel) && !(channel instanceof AsynchronousServerSocketChannel)) {
                return; // an asynchronous file channel: not ours
            }
            Connection c = Connections.peek(channel);
            if (c == null) {
                return;
            }
            AsyncOperation[] pending;
            synchronized (c) {
                AsyncOperation[] all = c.rareOrDefaults().pendingAsync;
                pending = all == null ? null : all.clone();
            }
            if (pending != null) {
                for (AsyncOperation op : pending) {
                    if (op != null && op.future == future) {
                        complete(op, result, failure);
                    }
                }
            }
        } catch (Throwable t) {
            AgentLog.error("async futureSet", t);
        }
    }

    private static void completeFromDoneFuture(AsyncOperation op, Future<?> future) {
        Object result = null;
        Throwable failure = null;
        try {
            result = future.get();
        } catch (ExecutionException e) {
            failure = e.getCause();
        } catch (Throwable t) {
            failure = t;
        }
        complete(op, result, failure);
    }

    /** Records the completion of {@code op}, once. Called on whatever thread completes it. */
    static void complete(AsyncOperation op, Object result, Throwable failure) {
        try {
            if (op == null || !op.claim()) {
                return;
            }
            Connection c = Connections.of(op.channel);
            synchronized (c) {
                AsyncOperation[] all = c.rareOrDefaults().pendingAsync;
                if (all != null && all[op.kind.ordinal()] == op) {
                    all[op.kind.ordinal()] = null;
                }
            }
            switch (op.kind) {
                case READ:
                    long read = result instanceof Number ? ((Number) result).longValue() : 0;
                    Tracing.commit(TransferTracing.received(op.channel, op.startNanos, read, op.timeoutMillis, failure));
                    break;
                case WRITE:
                    long written = result instanceof Number ? ((Number) result).longValue() : 0;
                    Tracing.commit(TransferTracing.sent(op.channel, op.startNanos, op.requested, written, true, op.timeoutMillis, failure));
                    break;
                case CONNECT:
                    Tracing.commit(ConnectTracing.connectDone(op.channel, c, (ConnectEvent) op.event, false, failure));
                    break;
                case ACCEPT:
                    AsynchronousSocketChannel accepted = result instanceof AsynchronousSocketChannel ? (AsynchronousSocketChannel) result : null;
                    Tracing.commit(ConnectTracing.accepted(op.channel, (AcceptEvent) op.event, accepted,
                            accepted == null ? null : JdkAccess.remote(accepted), 0, false, failure));
                    break;
                default:
                    break;
            }
        } catch (Throwable t) {
            AgentLog.error("async complete", t);
        }
    }
}
