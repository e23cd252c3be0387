package io.socktrace.instrumentation;

import io.socktrace.events.AcceptEvent;
import io.socktrace.events.CloseEvent;
import io.socktrace.events.ConnectEvent;
import io.socktrace.runtime.SocketTracer;
import java.net.SocketAddress;
import java.net.SocketImpl;
import java.net.SocketOption;
import net.bytebuddy.asm.Advice;

/**
 * Advice inlined into {@code sun.nio.ch.NioSocketImpl}, the implementation behind
 * {@code java.net.Socket} and {@code ServerSocket} since JDK 13. The bodies are copied into JDK
 * code, so they may only use {@code java.base} and the boot-visible runtime; each is one call into
 * {@link SocketTracer}, and an exit that ends an event also commits the event that call returns:
 * committed here, inside the JDK method, its stack trace starts at that method (as the JDK's own
 * socket events do) instead of two frames deep in socktrace, and JFR walks two frames fewer. The
 * installer refers to these classes by name and never loads them.
 */
final class NioSocketImplAdvice {

    private NioSocketImplAdvice() {
    }

    /** {@code protected void connect(SocketAddress, int millis)}: every connect overload ends here. */
    static final class Connect {
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

    /**
     * {@code sun.nio.ch.Net.localAddress(FileDescriptor)}, static: {@code NioSocketImpl.endConnect}
     * asks the kernel for the local address of a new connection and keeps only the port; the
     * runtime keeps the address for the connect's event instead of asking the kernel again.
     */
    static final class NetLocalAddress {
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.Return java.net.InetSocketAddress local) {
            SocketTracer.localAddressReturned(local);
        }
    }

    /** {@code protected void listen(int backlog)}. */
    static final class Listen {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This SocketImpl self, @Advice.Argument(0) int backlog, @Advice.Thrown Throwable thrown) {
            SocketTracer.listened(self, backlog, thrown);
        }
    }

    /** {@code protected void accept(SocketImpl si)}: {@code this} listens, {@code si} is the new connection. */
    static final class Accept {
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
    static final class Read {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static long enter() {
            return SocketTracer.receiveBegin();
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
    static final class Write {
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
    static final class ImplWrite {
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.This SocketImpl self, @Advice.Return int n) {
            SocketTracer.written(self, n);
        }
    }

    /** {@code protected void close()}. */
    static final class Close {
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
    static final class ShutdownInput {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This SocketImpl self, @Advice.Thrown Throwable thrown) {
            SocketTracer.shutdown(self, true, thrown);
        }
    }

    /** {@code protected void shutdownOutput()}. */
    static final class ShutdownOutput {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This SocketImpl self, @Advice.Thrown Throwable thrown) {
            SocketTracer.shutdown(self, false, thrown);
        }
    }

    /** {@code public void setOption(int, Object)}: what {@code Socket.setTcpNoDelay} and friends call. */
    static final class LegacyOption {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This SocketImpl self, @Advice.Argument(0) int option, @Advice.Argument(1) Object value,
                         @Advice.Thrown Throwable thrown) {
            SocketTracer.optionSet(self, option, value, thrown);
        }
    }

    /** {@code protected <T> void setOption(SocketOption<T>, T)}: what {@code Socket.setOption} calls. */
    static final class Option {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This SocketImpl self, @Advice.Argument(0) SocketOption<?> option,
                         @Advice.Argument(1) Object value, @Advice.Thrown Throwable thrown) {
            SocketTracer.optionSet(self, option, value, thrown);
        }
    }
}
