package io.socktrace.instrumentation;

import io.socktrace.events.AcceptEvent;
import io.socktrace.events.CloseEvent;
import io.socktrace.events.ConnectEvent;
import io.socktrace.runtime.ChannelTracer;
import io.socktrace.runtime.SocketTracer;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import net.bytebuddy.asm.Advice;

/**
 * Advice inlined into {@code sun.nio.ch.SocketChannelImpl} and {@code ServerSocketChannelImpl}
 * (what {@code SocketChannel.open()}, {@code ServerSocketChannel.open()} and their
 * {@code socket()} adaptors are). Each body is one call into {@link ChannelTracer}, plus the commit
 * of the event an exit returns (see {@link NioSocketImplAdvice} for why the advice commits).
 */
final class SocketChannelAdvice {

    private SocketChannelAdvice() {
    }

    /** {@code public boolean connect(SocketAddress)}. */
    static final class Connect {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static ConnectEvent enter(@Advice.This Object self, @Advice.Argument(0) SocketAddress remote) {
            return ChannelTracer.connectBegin(self, remote);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.Enter ConnectEvent event, @Advice.Return boolean connected,
                         @Advice.Thrown Throwable thrown) {
            var recorded = ChannelTracer.connectEnd(self, event, connected, thrown);
            if (recorded != null) {
                recorded.commit(); // here, so that the stack trace starts at this JDK method
            }
        }
    }

    /** {@code public boolean finishConnect()}. */
    static final class FinishConnect {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter() {
            ChannelTracer.finishConnectBegin();
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.Return boolean connected, @Advice.Thrown Throwable thrown) {
            var recorded = ChannelTracer.finishConnectEnd(self, connected, thrown);
            if (recorded != null) {
                recorded.commit(); // here, so that the stack trace starts at this JDK method
            }
        }
    }

    /** {@code void blockingConnect(SocketAddress, long nanos)}: an adaptor's {@code Socket.connect}. */
    static final class BlockingConnect {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static ConnectEvent enter(@Advice.This Object self, @Advice.Argument(0) SocketAddress remote, @Advice.Argument(1) long nanos) {
            return ChannelTracer.blockingConnectBegin(self, remote, nanos);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.Enter ConnectEvent event, @Advice.Thrown Throwable thrown) {
            var recorded = ChannelTracer.blockingConnectEnd(self, event, thrown);
            if (recorded != null) {
                recorded.commit(); // here, so that the stack trace starts at this JDK method
            }
        }
    }

    /** {@code public int read(ByteBuffer)}. */
    static final class Read {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static long enter() {
            return ChannelTracer.receiveBegin();
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.Enter long startNanos, @Advice.Return int n,
                         @Advice.Thrown Throwable thrown) {
            var recorded = ChannelTracer.receiveEnd(self, startNanos, n, 0, thrown);
            if (recorded != null) {
                recorded.commit(); // here, so that the stack trace starts at this JDK method
            }
        }
    }

    /** {@code public long read(ByteBuffer[], int, int)}, the scattering read. */
    static final class ScatteringRead {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static long enter() {
            return ChannelTracer.receiveBegin();
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.Enter long startNanos, @Advice.Return long n,
                         @Advice.Thrown Throwable thrown) {
            var recorded = ChannelTracer.receiveEnd(self, startNanos, n, 0, thrown);
            if (recorded != null) {
                recorded.commit(); // here, so that the stack trace starts at this JDK method
            }
        }
    }

    /** {@code int blockingRead(byte[], int, int, long nanos)}: an adaptor's {@code InputStream.read}. */
    static final class BlockingRead {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static long enter() {
            return ChannelTracer.receiveBegin();
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.Enter long startNanos, @Advice.Return int n,
                         @Advice.Argument(3) long nanos, @Advice.Thrown Throwable thrown) {
            var recorded = ChannelTracer.receiveEnd(self, startNanos, n, nanos, thrown);
            if (recorded != null) {
                recorded.commit(); // here, so that the stack trace starts at this JDK method
            }
        }
    }

    /** {@code public int write(ByteBuffer)}. */
    static final class Write {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static long enter(@Advice.This Object self) {
            return ChannelTracer.sendBegin(self);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.Enter long startNanos, @Advice.Argument(0) ByteBuffer source,
                         @Advice.Return int n, @Advice.Thrown Throwable thrown) {
            var recorded = ChannelTracer.sendEnd(self, startNanos, source, n, thrown);
            if (recorded != null) {
                recorded.commit(); // here, so that the stack trace starts at this JDK method
            }
        }
    }

    /** {@code public long write(ByteBuffer[], int, int)}, the gathering write. */
    static final class GatheringWrite {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static long enter(@Advice.This Object self) {
            return ChannelTracer.sendBegin(self);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.Enter long startNanos, @Advice.Argument(0) ByteBuffer[] sources,
                         @Advice.Argument(1) int offset, @Advice.Argument(2) int length, @Advice.Return long n,
                         @Advice.Thrown Throwable thrown) {
            var recorded = ChannelTracer.sendEnd(self, startNanos, sources, offset, length, n, thrown);
            if (recorded != null) {
                recorded.commit(); // here, so that the stack trace starts at this JDK method
            }
        }
    }

    /** {@code void blockingWriteFully(byte[], int, int)}: an adaptor's {@code OutputStream.write}. */
    static final class BlockingWriteFully {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static long enter(@Advice.This Object self) {
            return ChannelTracer.sendBegin(self);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.Enter long startNanos, @Advice.Argument(2) int length,
                         @Advice.Thrown Throwable thrown) {
            var recorded = ChannelTracer.writeFullyEnd(self, startNanos, length, thrown);
            if (recorded != null) {
                recorded.commit(); // here, so that the stack trace starts at this JDK method
            }
        }
    }

    /** {@code protected void implCloseSelectableChannel()}: the application's close of either channel type. */
    static final class Close {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static CloseEvent enter(@Advice.This Object self) {
            return ChannelTracer.closeBegin(self);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.Enter CloseEvent event) {
            var recorded = ChannelTracer.closeEnd(self, event);
            if (recorded != null) {
                recorded.commit(); // here, so that the stack trace starts at this JDK method
            }
        }
    }

    /** {@code public SocketChannel shutdownInput()}. */
    static final class ShutdownInput {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.Thrown Throwable thrown) {
            ChannelTracer.shutdown(self, true, thrown);
        }
    }

    /** {@code public SocketChannel shutdownOutput()}. */
    static final class ShutdownOutput {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.Thrown Throwable thrown) {
            ChannelTracer.shutdown(self, false, thrown);
        }
    }

    /** {@code setOption(SocketOption, T)} on either channel type (the non-bridge method). */
    static final class Option {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.Argument(0) SocketOption<?> option, @Advice.Argument(1) Object value,
                         @Advice.Thrown Throwable thrown) {
            SocketTracer.optionSet(self, option, value, thrown);
        }
    }

    /** {@code ServerSocketChannel bind(SocketAddress, int backlog)}: bind and listen. */
    static final class Bind {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.FieldValue("localAddress") SocketAddress local,
                         @Advice.Argument(1) int backlog, @Advice.Thrown Throwable thrown) {
            ChannelTracer.bound(self, local, backlog, thrown);
        }
    }

    /** {@code public SocketChannel accept()} on a ServerSocketChannel. */
    static final class Accept {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static AcceptEvent enter() {
            return ChannelTracer.acceptBegin();
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.Enter AcceptEvent event, @Advice.Return SocketChannel accepted,
                         @Advice.Thrown Throwable thrown) {
            var recorded = ChannelTracer.acceptEnd(self, event, accepted, 0, thrown);
            if (recorded != null) {
                recorded.commit(); // here, so that the stack trace starts at this JDK method
            }
        }
    }

    /** {@code SocketChannel blockingAccept(long nanos)}: an adaptor's {@code ServerSocket.accept}. */
    static final class BlockingAccept {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static AcceptEvent enter() {
            return ChannelTracer.acceptBegin();
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.Enter AcceptEvent event, @Advice.Return SocketChannel accepted,
                         @Advice.Argument(0) long nanos, @Advice.Thrown Throwable thrown) {
            var recorded = ChannelTracer.acceptEnd(self, event, accepted, nanos, thrown);
            if (recorded != null) {
                recorded.commit(); // here, so that the stack trace starts at this JDK method
            }
        }
    }
}
