package io.socktrace.instrumentation;

import static net.bytebuddy.matcher.ElementMatchers.isBridge;
import static net.bytebuddy.matcher.ElementMatchers.not;

import io.socktrace.events.AcceptEvent;
import io.socktrace.runtime.ChannelTracer;
import java.nio.channels.SocketChannel;
import java.util.List;
import net.bytebuddy.asm.Advice;

/**
 * {@code sun.nio.ch.ServerSocketChannelImpl}: what {@code ServerSocketChannel.open()} returns, and,
 * through its {@code socket()} adaptor, {@code ServerSocket.accept} ({@code blockingAccept}). Bind,
 * close and options are shared with the other channels ({@link ChannelAdvice}).
 */
final class ServerSocketChannelImplInstrumentation extends JdkClassInstrumentation {

    static final String CLASS_NAME = "sun.nio.ch.ServerSocketChannelImpl";

    ServerSocketChannelImplInstrumentation() {
        super(CLASS_NAME, true);
    }

    @Override
    List<Hook> hooks() {
        return List.of(
                ChannelAdvice.hook(method("bind", 2).and(not(isBridge())), "BindAdvice"),
                hook(method("accept", 0), "AcceptAdvice"),
                hook(method("blockingAccept", 1), "BlockingAcceptAdvice"),
                ChannelAdvice.hook(method("implCloseSelectableChannel", 0), "CloseAdvice"),
                ChannelAdvice.hook(method("setOption", 2).and(not(isBridge())), "OptionAdvice"));
    }


    /** {@code public SocketChannel accept()} on a ServerSocketChannel. */
    static final class AcceptAdvice {
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
    static final class BlockingAcceptAdvice {
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
