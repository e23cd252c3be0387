package io.socktrace.instrumentation;

import io.socktrace.runtime.SocketTracer;
import net.bytebuddy.asm.Advice;

/**
 * Advice inlined into {@code java.net.Socket}. Its only job is to remember the connect timeout as
 * the application gave it: the JDK's SOCKS wrapper passes only the remaining time to the
 * implementation (999 for 1000).
 */
final class SocketAdvice {

    private SocketAdvice() {
    }

    /** {@code public void connect(SocketAddress, int timeout)}. */
    static final class Connect {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.Argument(1) int timeout) {
            SocketTracer.applicationConnect(timeout);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit() {
            SocketTracer.applicationConnectDone();
        }
    }
}
