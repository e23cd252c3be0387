package io.socktrace.instrumentation;

import static net.bytebuddy.matcher.ElementMatchers.isBridge;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.returns;

import io.socktrace.events.ConnectEvent;
import io.socktrace.runtime.ChannelTracer;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import net.bytebuddy.asm.Advice;

/**
 * {@code sun.nio.ch.SocketChannelImpl}: what {@code SocketChannel.open()} returns, and, through its
 * {@code socket()} adaptor, the blocking {@code blocking…} paths. The public {@code read}s and
 * {@code write}s are hooked, not {@code implRead}/{@code implWrite} below them (JDK 25 has those,
 * 17 does not). Each body is one call into {@link ChannelTracer}, plus the commit of the event an
 * exit returns (see {@link NioSocketImplInstrumentation} for why the advice commits). Close,
 * half-close and options are shared with the other channels ({@link ChannelAdvice}).
 */
final class SocketChannelImplInstrumentation extends JdkClassInstrumentation {

    static final String CLASS_NAME = "sun.nio.ch.SocketChannelImpl";

    SocketChannelImplInstrumentation() {
        super(CLASS_NAME, true);
    }

    @Override
    List<Hook> hooks() {
        return List.of(
                hook(method("connect", 1).and(returns(boolean.class)), "ConnectAdvice"),
                hook(method("finishConnect", 0), "FinishConnectAdvice"),
                hook(method("blockingConnect", 2), "BlockingConnectAdvice"),
                hook(method("read", 1).and(returns(int.class)), "ReadAdvice"),
                hook(method("read", 3).and(returns(long.class)), "ScatteringReadAdvice"),
                hook(method("blockingRead", 4), "BlockingReadAdvice"),
                hook(method("write", 1).and(returns(int.class)), "WriteAdvice"),
                hook(method("write", 3).and(returns(long.class)), "GatheringWriteAdvice"),
                hook(method("blockingWriteFully", 3), "BlockingWriteFullyAdvice"),
                ChannelAdvice.hook(method("implCloseSelectableChannel", 0), "CloseAdvice"),
                ChannelAdvice.hook(method("shutdownInput", 0), "ShutdownInputAdvice"),
                ChannelAdvice.hook(method("shutdownOutput", 0), "ShutdownOutputAdvice"),
                ChannelAdvice.hook(method("setOption", 2).and(not(isBridge())), "OptionAdvice"));
    }

    /** {@code public boolean connect(SocketAddress)}. */
    static final class ConnectAdvice {
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
    static final class FinishConnectAdvice {
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
    static final class BlockingConnectAdvice {
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
    static final class ReadAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static long enter(@Advice.This Object self) {
            return ChannelTracer.receiveBegin(self);
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
    static final class ScatteringReadAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static long enter(@Advice.This Object self) {
            return ChannelTracer.receiveBegin(self);
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
    static final class BlockingReadAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static long enter(@Advice.This Object self) {
            return ChannelTracer.blockingReceiveBegin(self);
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
    static final class WriteAdvice {
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
    static final class GatheringWriteAdvice {
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
    static final class BlockingWriteFullyAdvice {
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
}
