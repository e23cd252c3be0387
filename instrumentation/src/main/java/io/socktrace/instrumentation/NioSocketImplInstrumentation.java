package io.socktrace.instrumentation;

import static net.bytebuddy.matcher.ElementMatchers.isProtected;
import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;

import io.socktrace.events.AcceptEvent;
import io.socktrace.events.CloseEvent;
import io.socktrace.events.ConnectEvent;
import io.socktrace.runtime.SocketTracer;
import java.net.SocketAddress;
import java.net.SocketImpl;
import java.net.SocketOption;
import java.util.List;
import net.bytebuddy.asm.Advice;

/**
 * {@code sun.nio.ch.NioSocketImpl}, the implementation behind {@code java.net.Socket} and
 * {@code ServerSocket} since JDK 13 (same signatures in 17, 21 and 25). The advice bodies are
 * copied into JDK code, so they may only use {@code java.base} and the boot-visible runtime; each
 * is one call into {@link SocketTracer}, and an exit that ends an event also commits the event
 * that call returns: committed here, inside the JDK method, its stack trace starts at that method
 * (as the JDK's own socket events do) instead of two frames deep in socktrace, and JFR walks two
 * frames fewer.
 */
final class NioSocketImplInstrumentation extends JdkClassInstrumentation {

    static final String CLASS_NAME = "sun.nio.ch.NioSocketImpl";

    NioSocketImplInstrumentation() {
        super(CLASS_NAME, true);
    }

    @Override
    List<Hook> hooks() {
        return List.of(
                hook(method("connect", 2).and(takesArgument(0, named("java.net.SocketAddress"))), "ConnectAdvice"),
                hook(method("listen", 1), "ListenAdvice"),
                hook(method("accept", 1).and(takesArgument(0, named("java.net.SocketImpl"))), "AcceptAdvice"),
                hook(method("read", 3).and(takesArgument(0, byte[].class)).and(returns(int.class)), "ReadAdvice"),
                hook(method("write", 3).and(takesArgument(0, byte[].class)), "WriteAdvice"),
                hook(method("implWrite", 3).and(takesArgument(0, byte[].class)).and(returns(int.class)), "ImplWriteAdvice"),
                hook(method("close", 0), "CloseAdvice"),
                hook(method("shutdownInput", 0), "ShutdownInputAdvice"),
                hook(method("shutdownOutput", 0), "ShutdownOutputAdvice"),
                hook(method("setOption", 2).and(takesArgument(0, int.class)).and(isPublic()), "LegacyOptionAdvice"),
                hook(method("setOption", 2).and(takesArgument(0, named("java.net.SocketOption"))).and(isProtected()),
                        "OptionAdvice"));
    }

    /** {@code protected void connect(SocketAddress, int millis)}: every connect overload ends here. */
    static final class ConnectAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static ConnectEvent enter(@Advice.This SocketImpl self, @Advice.Argument(0) SocketAddress remote,
                                  @Advice.Argument(1) int millis) {
            return SocketTracer.connectBegin(self, remote, millis);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This SocketImpl self, @Advice.Enter ConnectEvent event, @Advice.Thrown Throwable thrown) {
            var recorded = SocketTracer.connectEnd(self, event, thrown);
            if (recorded != null) {
                recorded.commit(); // here, so that the stack trace starts at this JDK method
            }
        }
    }

    /** {@code protected void listen(int backlog)}. */
    static final class ListenAdvice {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This SocketImpl self, @Advice.Argument(0) int backlog, @Advice.Thrown Throwable thrown) {
            SocketTracer.listened(self, backlog, thrown);
        }
    }

    /** {@code protected void accept(SocketImpl si)}: {@code this} listens, {@code si} is the new connection. */
    static final class AcceptAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static AcceptEvent enter() {
            return SocketTracer.acceptBegin();
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This SocketImpl self, @Advice.Argument(0) SocketImpl accepted,
                         @Advice.FieldValue("timeout") int timeout, @Advice.Enter AcceptEvent event,
                         @Advice.Thrown Throwable thrown) {
            var recorded = SocketTracer.acceptEnd(self, event, accepted, timeout, thrown);
            if (recorded != null) {
                recorded.commit(); // here, so that the stack trace starts at this JDK method
            }
        }
    }

    /** {@code private int read(byte[], int, int)}: every stream read ends here. */
    static final class ReadAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static long enter(@Advice.This SocketImpl self) {
            return SocketTracer.receiveBegin(self);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This SocketImpl self, @Advice.Return int n, @Advice.FieldValue("timeout") int timeout,
                         @Advice.Enter long startNanos, @Advice.Thrown Throwable thrown) {
            var recorded = SocketTracer.receiveEnd(self, startNanos, n, timeout, thrown);
            if (recorded != null) {
                recorded.commit(); // here, so that the stack trace starts at this JDK method
            }
        }
    }

    /** {@code private void write(byte[], int, int)}: every stream write. */
    static final class WriteAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static long enter(@Advice.This SocketImpl self) {
            return SocketTracer.sendBegin(self);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This SocketImpl self, @Advice.Argument(2) int length, @Advice.FieldValue("timeout") int timeout,
                         @Advice.Enter long startNanos, @Advice.Thrown Throwable thrown) {
            var recorded = SocketTracer.sendEnd(self, startNanos, length, timeout, thrown);
            if (recorded != null) {
                recorded.commit(); // here, so that the stack trace starts at this JDK method
            }
        }
    }

    /** {@code private int implWrite(byte[], int, int)}: the bytes each step of a write handed to the kernel. */
    static final class ImplWriteAdvice {
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.This SocketImpl self, @Advice.Return int n) {
            SocketTracer.written(self, n);
        }
    }

    /** {@code protected void close()}. */
    static final class CloseAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static CloseEvent enter(@Advice.This SocketImpl self) {
            return SocketTracer.closeBegin(self);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This SocketImpl self, @Advice.Enter CloseEvent event, @Advice.Thrown Throwable thrown) {
            var recorded = SocketTracer.closeEnd(self, event, thrown);
            if (recorded != null) {
                recorded.commit(); // here, so that the stack trace starts at this JDK method
            }
        }
    }

    /** {@code protected void shutdownInput()}. */
    static final class ShutdownInputAdvice {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This SocketImpl self, @Advice.Thrown Throwable thrown) {
            SocketTracer.shutdown(self, true, thrown);
        }
    }

    /** {@code protected void shutdownOutput()}. */
    static final class ShutdownOutputAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.This SocketImpl self) {
            SocketTracer.shutdownOutputBegin(self);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This SocketImpl self, @Advice.Thrown Throwable thrown) {
            SocketTracer.shutdown(self, false, thrown);
        }
    }

    /** {@code public void setOption(int, Object)}: what {@code Socket.setTcpNoDelay} and friends call. */
    static final class LegacyOptionAdvice {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This SocketImpl self, @Advice.Argument(0) int option, @Advice.Argument(1) Object value,
                         @Advice.Thrown Throwable thrown) {
            SocketTracer.optionSet(self, option, value, thrown);
        }
    }

    /** {@code protected <T> void setOption(SocketOption<T>, T)}: what {@code Socket.setOption} calls. */
    static final class OptionAdvice {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This SocketImpl self, @Advice.Argument(0) SocketOption<?> option,
                         @Advice.Argument(1) Object value, @Advice.Thrown Throwable thrown) {
            SocketTracer.optionSet(self, option, value, thrown);
        }
    }
}
