package io.socktrace.instrumentation;

import static net.bytebuddy.matcher.ElementMatchers.isBridge;
import static net.bytebuddy.matcher.ElementMatchers.not;

import io.socktrace.runtime.ChannelTracer;
import java.net.SocketAddress;
import java.util.List;
import net.bytebuddy.asm.Advice;

/**
 * {@code sun.nio.ch.AsynchronousServerSocketChannelImpl}, the platform-independent part of
 * {@code AsynchronousServerSocketChannel}: bind (with listen); accept is in the Unix subclass
 * ({@link UnixAsynchronousServerSocketChannelImplInstrumentation}). Close and options are shared
 * with the other channels ({@link ChannelAdvice}).
 */
final class AsynchronousServerSocketChannelImplInstrumentation extends JdkClassInstrumentation {

    static final String CLASS_NAME = "sun.nio.ch.AsynchronousServerSocketChannelImpl";

    AsynchronousServerSocketChannelImplInstrumentation() {
        super(CLASS_NAME, true);
    }

    @Override
    List<Hook> hooks() {
        return List.of(
                hook(method("bind", 2).and(not(isBridge())), "BindAdvice"),
                ChannelAdvice.hook(method("close", 0), "CloseAdvice"),
                ChannelAdvice.hook(method("setOption", 2).and(not(isBridge())), "OptionAdvice"));
    }

    /** {@code AsynchronousServerSocketChannel bind(SocketAddress, int backlog)}. */
    static final class BindAdvice {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.FieldValue("localAddress") SocketAddress local,
                         @Advice.Argument(1) int backlog, @Advice.Thrown Throwable thrown) {
            ChannelTracer.bound(self, local, backlog, thrown);
        }
    }
}
