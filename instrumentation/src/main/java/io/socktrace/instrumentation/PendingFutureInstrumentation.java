package io.socktrace.instrumentation;

import io.socktrace.runtime.AsyncTracer;
import java.util.List;
import net.bytebuddy.asm.Advice;

/**
 * {@code sun.nio.ch.PendingFuture}: where the JDK completes the Future of an asynchronous channel
 * operation, so Future-style reads, writes, connects and accepts end where a completion handler's
 * would be called ({@link AsynchronousSocketChannelImplInstrumentation}).
 */
final class PendingFutureInstrumentation extends JdkClassInstrumentation {

    static final String CLASS_NAME = "sun.nio.ch.PendingFuture";

    PendingFutureInstrumentation() {
        super(CLASS_NAME, false);
    }

    @Override
    List<Hook> hooks() {
        return List.of(
                hook(method("setResult", 1), "FutureResultAdvice"),
                hook(method("setFailure", 1), "FutureFailureAdvice"));
    }

    /**
     * {@code PendingFuture.setResult(V)}, on entry: once the result is set, the application may
     * already be past {@code get()} and closing the channel, so the bytes must be counted first.
     */
    static final class FutureResultAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.This Object future, @Advice.FieldValue("channel") Object channel, @Advice.Argument(0) Object result) {
            AsyncTracer.futureSet(channel, future, result, null);
        }
    }

    /** {@code PendingFuture.setFailure(Throwable)}, on entry for the same reason. */
    static final class FutureFailureAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.This Object future, @Advice.FieldValue("channel") Object channel, @Advice.Argument(0) Throwable failure) {
            AsyncTracer.futureSet(channel, future, null, failure);
        }
    }
}
