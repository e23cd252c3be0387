package io.socktrace.instrumentation;

import static net.bytebuddy.matcher.ElementMatchers.isBridge;
import static net.bytebuddy.matcher.ElementMatchers.isPrivate;
import static net.bytebuddy.matcher.ElementMatchers.not;

import io.socktrace.runtime.AsyncTracer;
import java.nio.ByteBuffer;
import java.nio.channels.CompletionHandler;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * {@code sun.nio.ch.AsynchronousSocketChannelImpl}, the platform-independent part of
 * {@code AsynchronousSocketChannel}: every read and write, Future or completion-handler style, goes
 * through one private method each. The application's completion handler is replaced by a wrapper
 * that records the completion and then calls it; Future-style completions are seen where the JDK
 * sets the Future ({@link PendingFutureInstrumentation}); connect is in the Unix subclass
 * ({@link UnixAsynchronousSocketChannelImplInstrumentation}). Close, half-close and options are
 * shared with the other channels ({@link ChannelAdvice}).
 */
final class AsynchronousSocketChannelImplInstrumentation extends JdkClassInstrumentation {

    static final String CLASS_NAME = "sun.nio.ch.AsynchronousSocketChannelImpl";

    AsynchronousSocketChannelImplInstrumentation() {
        super(CLASS_NAME, true);
    }

    @Override
    List<Hook> hooks() {
        return List.of(
                hook(method("read", 7).and(isPrivate()), "ReadAdvice"),
                hook(method("write", 7).and(isPrivate()), "WriteAdvice"),
                ChannelAdvice.hook(method("close", 0), "CloseAdvice"),
                ChannelAdvice.hook(method("shutdownInput", 0), "ShutdownInputAdvice"),
                ChannelAdvice.hook(method("shutdownOutput", 0), "ShutdownOutputAdvice"),
                ChannelAdvice.hook(method("setOption", 2).and(not(isBridge())), "OptionAdvice"));
    }

    /** The private {@code read(boolean, ByteBuffer, ByteBuffer[], long, TimeUnit, A, CompletionHandler)} every read goes through. */
    static final class ReadAdvice {
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
    static final class WriteAdvice {
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
}
