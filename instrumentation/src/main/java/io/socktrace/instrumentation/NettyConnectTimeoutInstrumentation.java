package io.socktrace.instrumentation;

import static net.bytebuddy.matcher.ElementMatchers.isConstructor;

import io.socktrace.runtime.NettyTracer;
import java.util.List;
import net.bytebuddy.asm.Advice;

/**
 * {@code io.netty.channel.ConnectTimeoutException}: Netty's own connect timeout never reaches a
 * socket call; its task makes this exception, fails the connect's promise with it and closes the
 * channel, on the event loop. Noting the exception as it is made lets the close that follows on
 * that thread record the pending connect as TIMED_OUT (with Netty's message) rather than CLOSED,
 * for the native transports and for Netty's NIO transport alike. The task itself is an anonymous
 * class whose number differs between Netty versions, so it is not hooked.
 */
final class NettyConnectTimeoutInstrumentation extends JdkClassInstrumentation {

    static final String CLASS_NAME = "io.netty.channel.ConnectTimeoutException";

    NettyConnectTimeoutInstrumentation() {
        super(CLASS_NAME, false);
    }

    @Override
    List<Hook> hooks() {
        return List.of(hook(isConstructor(), "MadeAdvice"));
    }

    /** Both constructors ({@code ()} and {@code (String message)}). */
    static final class MadeAdvice {
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.This Throwable self) {
            NettyTracer.connectTimedOut(self);
        }
    }
}
