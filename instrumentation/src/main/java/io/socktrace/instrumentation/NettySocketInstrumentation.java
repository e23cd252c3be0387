package io.socktrace.instrumentation;

import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.isNative;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.socktrace.events.AcceptEvent;
import io.socktrace.events.ConnectEvent;
import io.socktrace.runtime.NettyTracer;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import net.bytebuddy.asm.Advice;

/**
 * {@code io.netty.channel.unix.Socket}, the socket of Netty's native transports (epoll's
 * {@code LinuxSocket} extends it without overriding any of these), in every relocated copy: a
 * public Java method around each JNI call, one call per system call, the only place advice can go
 * (the natives themselves cannot take advice). Matched by name, arity and JDK parameter types only,
 * never by Netty types, which relocation renames; natives are excluded. Bodies are one call into
 * {@link NettyTracer} and name no Netty type. The bytecode of these methods is the same in Netty
 * 4.1.118, 4.2.18 and gRPC 1.85.1's shaded 4.2.17 (see docs/netty-native.md).
 */
final class NettySocketInstrumentation extends JdkClassInstrumentation {

    static final String CLASS_NAME = "io.netty.channel.unix.Socket";

    NettySocketInstrumentation() {
        super(CLASS_NAME, true); // the connection field, when the class loads after the agent
    }

    @Override
    List<Hook> hooks() {
        return List.of(
                hook(isConstructor().and(takesArguments(int.class)), "CreatedAdvice"),
                hook(java("connect", SocketAddress.class).and(returns(boolean.class)), "ConnectAdvice"),
                hook(java("finishConnect").and(returns(boolean.class)), "FinishConnectAdvice"),
                hook(java("bind", SocketAddress.class), "BindAdvice"),
                hook(java("listen", int.class), "ListenAdvice"),
                hook(java("accept", byte[].class).and(returns(int.class)), "AcceptAdvice"),
                hook(java("recv", ByteBuffer.class, int.class, int.class).or(java("recvAddress", long.class, int.class, int.class)),
                        "RecvAdvice"),
                hook(java("send", ByteBuffer.class, int.class, int.class).or(java("sendAddress", long.class, int.class, int.class)),
                        "SendAdvice"),
                hook(java("shutdown", boolean.class, boolean.class), "ShutdownAdvice"),
                hook(options(), "OptionAdvice"),
                hook(notTcpFactories(), "NotTcpAdvice"));
    }

    /**
     * The static factories of sockets that are not TCP (UDP, Unix domain): a connected UDP socket
     * calls {@code connect}, {@code send} and {@code recv} like a TCP one. The same names on epoll's
     * {@code LinuxSocket}.
     */
    static net.bytebuddy.matcher.ElementMatcher.Junction<net.bytebuddy.description.method.MethodDescription> notTcpFactories() {
        return net.bytebuddy.matcher.ElementMatchers.<net.bytebuddy.description.method.MethodDescription>isStatic()
                .and(net.bytebuddy.matcher.ElementMatchers.namedOneOf("newSocketDgram", "newSocketDomain", "newSocketDomainDgram"))
                .and(not(isNative())).and(not(returns(void.class)));
    }

    /** The option setters of {@code Socket}: one argument each, the option in the method's name. */
    static net.bytebuddy.matcher.ElementMatcher.Junction<net.bytebuddy.description.method.MethodDescription> options() {
        return java("setKeepAlive", boolean.class).or(java("setReceiveBufferSize", int.class)).or(java("setSendBufferSize", int.class))
                .or(java("setTcpNoDelay", boolean.class)).or(java("setSoLinger", int.class)).or(java("setReuseAddress", boolean.class))
                .or(java("setReusePort", boolean.class));
    }

    /** A Java (non-native) method of this name and exactly these parameter types. */
    static net.bytebuddy.matcher.ElementMatcher.Junction<net.bytebuddy.description.method.MethodDescription> java(String name,
                                                                                                                 Class<?>... parameters) {
        return net.bytebuddy.matcher.ElementMatchers.<net.bytebuddy.description.method.MethodDescription>named(name)
                .and(takesArguments(parameters)).and(not(isNative()));
    }

    /** {@code Socket(int fd)}: the socket object of an accepted descriptor is built here. */
    static final class CreatedAdvice {
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.Argument(0) int fd) {
            var recorded = NettyTracer.created(self, fd);
            if (recorded != null) {
                recorded.commit();
            }
        }
    }

    /** {@code newSocketDgram(…)}, {@code newSocketDomain()}, {@code newSocketDomainDgram()}: a socket never traced. */
    static final class NotTcpAdvice {
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.Return Object socket) {
            NettyTracer.notTcp(socket);
        }
    }

    /** {@code public final boolean connect(SocketAddress)}: false while in progress. */
    static final class ConnectAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static ConnectEvent enter(@Advice.This Object self, @Advice.Argument(0) SocketAddress remote) {
            return NettyTracer.connectBegin(self, remote);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.Enter ConnectEvent event, @Advice.Return boolean connected,
                         @Advice.Thrown Throwable thrown) {
            var recorded = NettyTracer.connectEnd(self, event, connected, thrown);
            if (recorded != null) {
                recorded.commit();
            }
        }
    }

    /** {@code public final boolean finishConnect()}. */
    static final class FinishConnectAdvice {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.Return boolean connected, @Advice.Thrown Throwable thrown) {
            var recorded = NettyTracer.finishConnectEnd(self, connected, thrown);
            if (recorded != null) {
                recorded.commit();
            }
        }
    }

    /** {@code public final void bind(SocketAddress)}: tells TCP from Unix domain sockets. */
    static final class BindAdvice {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.Argument(0) SocketAddress local, @Advice.Thrown Throwable thrown) {
            NettyTracer.bound(self, local, thrown);
        }
    }

    /** {@code public final void listen(int backlog)}. */
    static final class ListenAdvice {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.Argument(0) int backlog, @Advice.Thrown Throwable thrown) {
            NettyTracer.listened(self, backlog, thrown);
        }
    }

    /** {@code public final int accept(byte[] address)}: the new descriptor, or -1 when none is pending. */
    static final class AcceptAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static AcceptEvent enter() {
            return NettyTracer.acceptBegin();
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.Enter AcceptEvent event, @Advice.Return int fd,
                         @Advice.Argument(0) byte[] address, @Advice.Thrown Throwable thrown) {
            var recorded = NettyTracer.acceptEnd(self, event, fd, address, thrown);
            if (recorded != null) {
                recorded.commit();
            }
        }
    }

    /** {@code recv(ByteBuffer, int, int)} and {@code recvAddress(long, int, int)}: bytes, 0 (nothing there) or -1 (end of stream). */
    static final class RecvAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static long enter(@Advice.This Object self) {
            return NettyTracer.receiveBegin(self);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.Enter long startNanos, @Advice.Return int n, @Advice.Thrown Throwable thrown) {
            var recorded = NettyTracer.receiveEnd(self, startNanos, n, thrown);
            if (recorded != null) {
                recorded.commit();
            }
        }
    }

    /** {@code send(ByteBuffer, int pos, int limit)} and {@code sendAddress(long, int pos, int limit)}: asked for limit - pos. */
    static final class SendAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static long enter(@Advice.This Object self) {
            return NettyTracer.sendBegin(self);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.Enter long startNanos, @Advice.Argument(1) int position,
                         @Advice.Argument(2) int limit, @Advice.Return int n, @Advice.Thrown Throwable thrown) {
            var recorded = NettyTracer.sendEnd(self, startNanos, limit - position, n, thrown);
            if (recorded != null) {
                recorded.commit();
            }
        }
    }

    /** An option setter ({@code setSoLinger(int)}, {@code setTcpNoDelay(boolean)}, ...): SO_LINGER 0 makes the close an abort. */
    static final class OptionAdvice {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.Origin("#m") String method,
                         @Advice.Argument(value = 0, typing = net.bytebuddy.implementation.bytecode.assign.Assigner.Typing.DYNAMIC) Object value,
                         @Advice.Thrown Throwable thrown) {
            NettyTracer.optionSet(self, method, value, thrown);
        }
    }

    /** {@code public final void shutdown(boolean input, boolean output)}; Netty's state field tells what it changed. */
    static final class ShutdownAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static int enter(@Advice.This Object self, @Advice.Argument(1) boolean output, @Advice.FieldValue("state") int state) {
            NettyTracer.shutdownBegin(self, output, state);
            return state;
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.Enter int before, @Advice.FieldValue("state") int after,
                         @Advice.Thrown Throwable thrown) {
            NettyTracer.shutdownEnd(self, before, after, thrown);
        }
    }
}
