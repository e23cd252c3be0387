package io.socktrace.runtime;

import java.nio.channels.CompletionHandler;
import java.util.concurrent.atomic.AtomicBoolean;
import jdk.jfr.Event;

/**
 * One asynchronous channel operation between the call that started it and its completion, which
 * arrives later on another thread: through the application's {@link CompletionHandler} (which the
 * agent wraps) or through the {@code Future} the call returned. Completes exactly once, whichever
 * path sees it first.
 */
final class AsyncOperation {

    final Object channel;
    final Operation kind;
    final Event event;
    final long requested;
    final long timeoutMillis;
    /** For reads and writes: when the operation began ({@link Tracing#receiveStart}), 0 when not recorded. */
    long startNanos;
    /** The Future the call returned, for Future-style calls; null for handler-style ones. */
    volatile Object future;
    private final AtomicBoolean done = new AtomicBoolean();

    AsyncOperation(Object channel, Operation kind, Event event, long requested, long timeoutMillis) {
        this.channel = channel;
        this.kind = kind;
        this.event = event;
        this.requested = requested;
        this.timeoutMillis = timeoutMillis;
    }

    /** True for the one caller that gets to record the completion. */
    boolean claim() {
        return done.compareAndSet(false, true);
    }

    /**
     * Stands in for the application's handler: records the completion, then passes it on
     * unchanged. Whatever the application's handler throws propagates as it would have.
     */
    static final class TracedHandler implements CompletionHandler<Object, Object> {
        private final CompletionHandler<Object, Object> delegate;
        private final AsyncOperation operation;

        TracedHandler(CompletionHandler<Object, Object> delegate, AsyncOperation operation) {
            this.delegate = delegate;
            this.operation = operation;
        }

        @Override
        public void completed(Object result, Object attachment) {
            AsyncTracer.complete(operation, result, null);
            delegate.completed(result, attachment);
        }

        @Override
        public void failed(Throwable exc, Object attachment) {
            AsyncTracer.complete(operation, null, exc);
            delegate.failed(exc, attachment);
        }
    }
}
