package io.socktrace.instrumentation;

import io.socktrace.events.CloseEvent;
import io.socktrace.runtime.ChannelTracer;
import io.socktrace.runtime.SocketTracer;
import java.net.SocketAddress;
import java.net.SocketOption;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Advice that more than one channel class takes (bind, close, half-close, options), kept once: the
 * socket channels, the server socket channels and their asynchronous kinds all close and set
 * options through methods of the same meaning, and both server kinds bind and listen in
 * {@code bind(SocketAddress, int)}. Which methods of which class get them is in each
 * class's own instrumentation.
 */
final class ChannelAdvice {

    private ChannelAdvice() {
    }

    /** A hook whose advice is one of these, by its simple name. */
    static JdkClassInstrumentation.Hook hook(ElementMatcher<? super MethodDescription> methods, String nestedAdvice) {
        return new JdkClassInstrumentation.Hook(methods, ChannelAdvice.class.getName() + '$' + nestedAdvice);
    }

    /**
     * The application's close: {@code protected void implCloseSelectableChannel()} of the socket and
     * server socket channels, {@code public void close()} of the asynchronous ones.
     */
    static final class CloseAdvice {
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
    static final class ShutdownInputAdvice {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.Thrown Throwable thrown) {
            ChannelTracer.shutdown(self, true, thrown);
        }
    }

    /** {@code public SocketChannel shutdownOutput()}. */
    static final class ShutdownOutputAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.This Object self) {
            ChannelTracer.shutdownOutputBegin(self);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.Thrown Throwable thrown) {
            ChannelTracer.shutdown(self, false, thrown);
        }
    }

    /**
     * {@code bind(SocketAddress, int backlog)} of {@code ServerSocketChannel} and
     * {@code AsynchronousServerSocketChannel}: bind and listen, the bound address in the field
     * {@code localAddress} of both.
     */
    static final class BindAdvice {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.FieldValue("localAddress") SocketAddress local,
                         @Advice.Argument(1) int backlog, @Advice.Thrown Throwable thrown) {
            ChannelTracer.bound(self, local, backlog, thrown);
        }
    }

    /** {@code setOption(SocketOption, T)} on any channel type (the non-bridge method). */
    static final class OptionAdvice {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.Argument(0) SocketOption<?> option, @Advice.Argument(1) Object value,
                         @Advice.Thrown Throwable thrown) {
            SocketTracer.optionSet(self, option, value, thrown);
        }
    }
}
