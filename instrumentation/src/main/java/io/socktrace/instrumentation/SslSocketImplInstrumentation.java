package io.socktrace.instrumentation;

import io.socktrace.runtime.SocketTracer;
import java.util.List;
import net.bytebuddy.asm.Advice;

/**
 * {@code sun.security.ssl.SSLSocketImpl}: its {@code close()} sends the TLS close_notify alert
 * (and may wait for the peer's) and swallows any IOException on the way. The failures its socket
 * meets in there are marked as handled inside the JDK, so that a clean TLS exchange whose peer
 * closed first does not look like a broken connection (see {@code InsideJdk}). Its reads and writes
 * are the underlying socket's, traced there.
 */
final class SslSocketImplInstrumentation extends JdkClassInstrumentation {

    static final String CLASS_NAME = "sun.security.ssl.SSLSocketImpl";

    SslSocketImplInstrumentation() {
        super(CLASS_NAME, false);
    }

    @Override
    List<Hook> hooks() {
        return List.of(hook(method("close", 0), "TlsCloseAdvice"));
    }

    /** {@code public void close()}. */
    static final class TlsCloseAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.This Object self) {
            SocketTracer.tlsCloseBegin(self);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit() {
            SocketTracer.tlsCloseEnd();
        }
    }
}
