package io.socktrace.instrumentation;

import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;

import io.socktrace.runtime.SocketTracer;
import java.util.List;
import net.bytebuddy.asm.Advice;

/**
 * {@code sun.nio.ch.Net}, the JDK's static socket calls: only the one that tells
 * {@code NioSocketImpl} its local address after a connect.
 */
final class NetInstrumentation extends JdkClassInstrumentation {

    static final String CLASS_NAME = "sun.nio.ch.Net";

    NetInstrumentation() {
        super(CLASS_NAME, false);
    }

    @Override
    List<Hook> hooks() {
        return List.of(hook(method("localAddress", 1).and(isStatic()).and(takesArgument(0, named("java.io.FileDescriptor"))),
                "LocalAddressAdvice"));
    }

    /**
     * {@code static InetSocketAddress localAddress(FileDescriptor)}: {@code NioSocketImpl.endConnect}
     * asks the kernel for the local address of a new connection and keeps only the port; the
     * runtime keeps the address for the connect's event instead of asking the kernel again.
     */
    static final class LocalAddressAdvice {
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.Return java.net.InetSocketAddress local) {
            SocketTracer.localAddressReturned(local);
        }
    }
}
