package io.socktrace.instrumentation;

import io.socktrace.runtime.AsyncTracer;
import java.net.SocketAddress;
import java.nio.channels.CompletionHandler;
import java.util.List;
import java.util.concurrent.Future;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * {@code sun.nio.ch.UnixAsynchronousSocketChannelImpl}: the Unix {@code AsynchronousSocketChannel},
 * where connect is implemented; its handler is wrapped like a read's
 * ({@link AsynchronousSocketChannelImplInstrumentation}).
 */
final class UnixAsynchronousSocketChannelImplInstrumentation extends JdkClassInstrumentation {

    static final String CLASS_NAME = "sun.nio.ch.UnixAsynchronousSocketChannelImpl";

    UnixAsynchronousSocketChannelImplInstrumentation() {
        super(CLASS_NAME, false);
    }

    @Override
    List<Hook> hooks() {
        return List.of(hook(method("implConnect", 3), "ConnectAdvice"));
    }

    /** {@code implConnect(SocketAddress, A, CompletionHandler)} of the Unix implementation. */
    static final class ConnectAdvice {
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
}
