package io.socktrace.instrumentation;

import static io.socktrace.instrumentation.NettySocketInstrumentation.java;
import static net.bytebuddy.matcher.ElementMatchers.returns;

import io.socktrace.events.CloseEvent;
import io.socktrace.runtime.NettyTracer;
import java.nio.ByteBuffer;
import java.util.List;
import net.bytebuddy.asm.Advice;

/**
 * {@code io.netty.channel.unix.FileDescriptor}, the base of Netty's native sockets: the close that
 * ends a connection, the gathering writes epoll sends with, and (Netty before 4.1.80) the plain
 * reads and writes. Netty's pipes, eventfds and epoll
 * descriptor go through the same methods; the runtime acts only for sockets it saw in use.
 */
final class NettyFileDescriptorInstrumentation extends JdkClassInstrumentation {

    static final String CLASS_NAME = "io.netty.channel.unix.FileDescriptor";

    NettyFileDescriptorInstrumentation() {
        super(CLASS_NAME, false);
    }

    @Override
    List<Hook> hooks() {
        return List.of(
                hook(java("close"), "CloseAdvice"),
                // Netty before 4.1.80 reads and writes its sockets here (Socket's recv/send came
                // then): the same advice as Socket's own, for the same events
                new Hook(java("read", ByteBuffer.class, int.class, int.class).or(java("readAddress", long.class, int.class, int.class)),
                        NettySocketInstrumentation.class.getName() + "$RecvAdvice"),
                new Hook(java("write", ByteBuffer.class, int.class, int.class).or(java("writeAddress", long.class, int.class, int.class)),
                        NettySocketInstrumentation.class.getName() + "$SendAdvice"),
                hook(java("writev", ByteBuffer[].class, int.class, int.class, long.class).and(returns(long.class)), "WritevAdvice"),
                hook(java("writevAddresses", long.class, int.class).and(returns(long.class)), "WritevAddressesAdvice"));
    }

    /** {@code public void close()}: a no-op once closed (the state says so at entry). */
    static final class CloseAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static CloseEvent enter(@Advice.This Object self, @Advice.FieldValue("state") int state) {
            return NettyTracer.closeBegin(self, state);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.Enter CloseEvent event) {
            var recorded = NettyTracer.closeEnd(self, event);
            if (recorded != null) {
                recorded.commit();
            }
        }
    }

    /** {@code public final long writev(ByteBuffer[], int offset, int length, long maxBytes)}. */
    static final class WritevAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static long enter(@Advice.This Object self) {
            return NettyTracer.sendBegin(self);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.Enter long startNanos, @Advice.Argument(0) ByteBuffer[] buffers,
                         @Advice.Argument(1) int offset, @Advice.Argument(2) int length, @Advice.Argument(3) long maxBytes,
                         @Advice.Return long n, @Advice.Thrown Throwable thrown) {
            // Netty moves the buffers' positions later, itself: what they hold now is what was asked
            var recorded = NettyTracer.sendEnd(self, startNanos, NettyTracer.requested(buffers, offset, length, maxBytes), n, thrown);
            if (recorded != null) {
                recorded.commit();
            }
        }
    }

    /** {@code public final long writevAddresses(long iovecs, int count)}: what was asked is in the iovecs. */
    static final class WritevAddressesAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static long enter(@Advice.This Object self) {
            return NettyTracer.sendBegin(self);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.Enter long startNanos, @Advice.Argument(0) long iovecs,
                         @Advice.Argument(1) int count, @Advice.Return long n, @Advice.Thrown Throwable thrown) {
            long requested = thrown == null ? NettyTracer.requested(iovecs, count, n) : 0;
            var recorded = NettyTracer.sendEnd(self, startNanos, requested, n, thrown);
            if (recorded != null) {
                recorded.commit();
            }
        }
    }
}
