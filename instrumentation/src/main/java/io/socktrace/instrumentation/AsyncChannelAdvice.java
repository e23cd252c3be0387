package io.socktrace.instrumentation;

import io.socktrace.runtime.AsyncTracer;
import io.socktrace.runtime.ChannelTracer;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.CompletionHandler;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Advice inlined into the asynchronous socket channels ({@code AsynchronousSocketChannelImpl},
 * {@code AsynchronousServerSocketChannelImpl}, their Unix subclasses) and {@code PendingFuture}.
 * The application's completion handler is replaced by a wrapper that records the completion and
 * then calls it; Future-style completions are seen where the JDK sets the Future.
 */
final class AsyncChannelAdvice {

    private AsyncChannelAdvice() {
    }

    /** The private {@code read(boolean, ByteBuffer, ByteBuffer[], long, TimeUnit, A, CompletionHandler)} every read goes through. */
    static final class Read {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.This Object self, @Advice.Argument(1) ByteBuffer buffer, @Advice.Argument(2) ByteBuffer[] buffers,
                            @Advice.Argument(3) long timeout, @Advice.Argument(4) TimeUnit unit,
                            @Advice.Argument(value = 6, readOnly = false, typing = Assigner.Typing.DYNAMIC) CompletionHandler<?, ?> handler) {
            Object operation = AsyncTracer.begin(self, false, buffer, buffers, timeout, unit);
            handler = AsyncTracer.wrap(handler, operation);
            return operation;
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Enter Object operation, @Advice.Argument(6) CompletionHandler<?, ?> handler,
                         @Advice.Return Future<?> future, @Advice.Thrown Throwable thrown) {
            AsyncTracer.issued(operation, handler, future, thrown);
        }
    }

    /** The private {@code write(...)} every write goes through. */
    static final class Write {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.This Object self, @Advice.Argument(1) ByteBuffer buffer, @Advice.Argument(2) ByteBuffer[] buffers,
                            @Advice.Argument(3) long timeout, @Advice.Argument(4) TimeUnit unit,
                            @Advice.Argument(value = 6, readOnly = false, typing = Assigner.Typing.DYNAMIC) CompletionHandler<?, ?> handler) {
            Object operation = AsyncTracer.begin(self, true, buffer, buffers, timeout, unit);
            handler = AsyncTracer.wrap(handler, operation);
            return operation;
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Enter Object operation, @Advice.Argument(6) CompletionHandler<?, ?> handler,
                         @Advice.Return Future<?> future, @Advice.Thrown Throwable thrown) {
            AsyncTracer.issued(operation, handler, future, thrown);
        }
    }

    /** {@code implConnect(SocketAddress, A, CompletionHandler)} of the Unix implementation. */
    static final class Connect {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.This Object self, @Advice.Argument(0) SocketAddress remote,
                            @Advice.Argument(value = 2, readOnly = false, typing = Assigner.Typing.DYNAMIC) CompletionHandler<?, ?> handler) {
            Object operation = AsyncTracer.connectBegin(self, remote);
            handler = AsyncTracer.wrap(handler, operation);
            return operation;
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Enter Object operation, @Advice.Argument(2) CompletionHandler<?, ?> handler,
                         @Advice.Return Future<?> future, @Advice.Thrown Throwable thrown) {
            AsyncTracer.issued(operation, handler, future, thrown);
        }
    }

    /** {@code implAccept(Object, CompletionHandler)} of the Unix implementation. */
    static final class Accept {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.This Object self,
                            @Advice.Argument(value = 1, readOnly = false, typing = Assigner.Typing.DYNAMIC) CompletionHandler<?, ?> handler) {
            Object operation = AsyncTracer.acceptBegin(self);
            handler = AsyncTracer.wrap(handler, operation);
            return operation;
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Enter Object operation, @Advice.Argument(1) CompletionHandler<?, ?> handler,
                         @Advice.Return Future<?> future, @Advice.Thrown Throwable thrown) {
            AsyncTracer.issued(operation, handler, future, thrown);
        }
    }

    /** {@code AsynchronousServerSocketChannel bind(SocketAddress, int backlog)}. */
    static final class Bind {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.FieldValue("localAddress") SocketAddress local,
                         @Advice.Argument(1) int backlog, @Advice.Thrown Throwable thrown) {
            ChannelTracer.bound(self, local, backlog, thrown);
        }
    }

    /**
     * {@code PendingFuture.setResult(V)}, on entry: once the result is set, the application may
     * already be past {@code get()} and closing the channel, so the bytes must be counted first.
     */
    static final class FutureResult {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.This Object future, @Advice.FieldValue("channel") Object channel, @Advice.Argument(0) Object result) {
            AsyncTracer.futureSet(channel, future, result, null);
        }
    }

    /** {@code PendingFuture.setFailure(Throwable)}, on entry for the same reason. */
    static final class FutureFailure {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.This Object future, @Advice.FieldValue("channel") Object channel, @Advice.Argument(0) Throwable failure) {
            AsyncTracer.futureSet(channel, future, null, failure);
        }
    }
}
