package io.socktrace.instrumentation;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;

import io.socktrace.runtime.SocketTracer;
import java.util.List;
import net.bytebuddy.asm.Advice;

/**
 * {@code java.net.Socket}. Its only job is to remember the connect timeout as the application gave
 * it: the JDK's SOCKS wrapper passes only the remaining time to the implementation (999 for 1000).
 */
final class SocketInstrumentation extends JdkClassInstrumentation {

    static final String CLASS_NAME = "java.net.Socket";

    SocketInstrumentation() {
        super(CLASS_NAME, false);
    }

    @Override
    List<Hook> hooks() {
        return List.of(hook(method("connect", 2).and(takesArgument(0, named("java.net.SocketAddress"))), "ConnectAdvice"));
    }

    /** {@code public void connect(SocketAddress, int timeout)}. */
    static final class ConnectAdvice {
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
