package io.socktrace.instrumentation;

import io.socktrace.runtime.AsyncTracer;
import java.nio.channels.CompletionHandler;
import java.util.List;
import java.util.concurrent.Future;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * {@code sun.nio.ch.UnixAsynchronousServerSocketChannelImpl}: the Unix
 * {@code AsynchronousServerSocketChannel}, where accept is implemented; its handler is wrapped like
 * a read's ({@link AsynchronousSocketChannelImplInstrumentation}).
 */
final class UnixAsynchronousServerSocketChannelImplInstrumentation extends JdkClassInstrumentation {

    static final String CLASS_NAME = "sun.nio.ch.UnixAsynchronousServerSocketChannelImpl";

    UnixAsynchronousServerSocketChannelImplInstrumentation() {
        super(CLASS_NAME, false);
    }

    @Override
    List<Hook> hooks() {
        return List.of(hook(method("implAccept", 2), "AcceptAdvice"));
    }

    /** {@code implAccept(Object, CompletionHandler)} of the Unix implementation. */
    static final class AcceptAdvice {
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
}
