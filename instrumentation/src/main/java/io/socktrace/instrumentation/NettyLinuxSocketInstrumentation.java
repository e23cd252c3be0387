package io.socktrace.instrumentation;

import static net.bytebuddy.matcher.ElementMatchers.isNative;
import static net.bytebuddy.matcher.ElementMatchers.nameEndsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.socktrace.runtime.NettyTracer;
import java.util.List;
import net.bytebuddy.asm.Advice;

/**
 * {@code io.netty.channel.epoll.LinuxSocket}: epoll's socket, whose only send of its own is
 * {@code sendFile} (a {@code DefaultFileRegion} written with sendfile(2)); the rest it inherits from
 * {@link NettySocketInstrumentation}'s class. The region's type is matched by the end of its name,
 * which relocation keeps.
 */
final class NettyLinuxSocketInstrumentation extends JdkClassInstrumentation {

    static final String CLASS_NAME = "io.netty.channel.epoll.LinuxSocket";

    NettyLinuxSocketInstrumentation() {
        super(CLASS_NAME, false);
    }

    @Override
    List<Hook> hooks() {
        return List.of(hook(named("sendFile").and(takesArguments(4)).and(not(isNative()))
                .and(takesArgument(0, nameEndsWith(".channel.DefaultFileRegion"))), "SendFileAdvice"),
                hook(NettySocketInstrumentation.java("setTcpKeepIdle", int.class).or(NettySocketInstrumentation.java("setTcpKeepIntvl", int.class))
                        .or(NettySocketInstrumentation.java("setTcpKeepCnt", int.class))
                        .or(NettySocketInstrumentation.java("setTcpUserTimeout", int.class)), "OptionAdvice"),
                hook(NettySocketInstrumentation.notTcpFactories(), "NotTcpAdvice"));
    }

    /** epoll's own {@code newSocketDgram(…)}, {@code newSocketDomain()}, {@code newSocketDomainDgram()}. */
    static final class NotTcpAdvice {
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.Return Object socket) {
            NettyTracer.notTcp(socket);
        }
    }

    /** epoll's own option setters (keepalive timing, TCP_USER_TIMEOUT): how fast the kernel gives up on a vanished peer. */
    static final class OptionAdvice {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.Origin("#m") String method, @Advice.Argument(0) int value,
                         @Advice.Thrown Throwable thrown) {
            NettyTracer.optionSet(self, method, value, thrown);
        }
    }

    /** {@code long sendFile(DefaultFileRegion, long base, long offset, long length)}: asked for {@code length}. */
    static final class SendFileAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static long enter(@Advice.This Object self) {
            return NettyTracer.sendBegin(self);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.Enter long startNanos, @Advice.Argument(3) long length,
                         @Advice.Return long n, @Advice.Thrown Throwable thrown) {
            var recorded = NettyTracer.sendEnd(self, startNanos, length, n, thrown);
            if (recorded != null) {
                recorded.commit();
            }
        }
    }
}
