package io.socktrace.instrumentation;

import static net.bytebuddy.matcher.ElementMatchers.isBridge;
import static net.bytebuddy.matcher.ElementMatchers.not;

import java.util.List;

/**
 * {@code sun.nio.ch.AsynchronousServerSocketChannelImpl}, the platform-independent part of
 * {@code AsynchronousServerSocketChannel}: bind (with listen); accept is in the Unix subclass
 * ({@link UnixAsynchronousServerSocketChannelImplInstrumentation}). Bind, close and options are shared
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
                ChannelAdvice.hook(method("bind", 2).and(not(isBridge())), "BindAdvice"),
                ChannelAdvice.hook(method("close", 0), "CloseAdvice"),
                ChannelAdvice.hook(method("setOption", 2).and(not(isBridge())), "OptionAdvice"));
    }

}
