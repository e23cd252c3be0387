package io.socktrace.runtime;

import java.io.FileDescriptor;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketImpl;

/**
 * Reads JDK-internal socket state that advice cannot reach by itself: the peer of a
 * {@code SocketImpl} other than {@code this} (the one an accept filled in), the endpoints of a
 * socket first seen after a late attach, a socket's file descriptor, and the kernel's idea of the
 * local address ({@code getsockname}, which the JDK only partly caches). The agent opens
 * {@code java.net} and {@code sun.nio.ch} to the boot loader's unnamed module before any of this
 * runs. Whatever cannot be read comes back as null or -1, and the event lacks that field.
 */
final class JdkAccess {

    private JdkAccess() {
    }

    /** The remote end of a connected socket of any traced type, or null when not connected. */
    static SocketAddress remote(Object socket) {
        try {
            if (socket instanceof SocketImpl) {
                int port = (int) Handles.PORT.invokeExact((SocketImpl) socket);
                InetAddress address = (InetAddress) Handles.ADDRESS.invokeExact((SocketImpl) socket);
                return port > 0 && address != null ? new InetSocketAddress(address, port) : null;
            }
            if (Handles.CHANNEL.isInstance(socket)) {
                return (SocketAddress) Handles.CHANNEL_REMOTE.invoke(socket);
            }
            if (Handles.ASYNC_CHANNEL.isInstance(socket)) {
                return (SocketAddress) Handles.ASYNC_REMOTE.invoke(socket);
            }
        } catch (Throwable t) {
            AgentLog.error("reading the remote address", t);
        }
        return null;
    }

    /**
     * What poll(2) says of the socket right now for {@code POLLIN}: the returned events (0: nothing
     * to read and no end of stream pending), or -1 if it could not be asked. Readable with no byte
     * unread means the peer's FIN is waiting in the kernel (see {@link CloseTracing#closeBegin}).
     */
    static int pollIn(Object socket) {
        try {
            if (Handles.POLL_NOW == null) {
                return -1;
            }
            FileDescriptor fd = fd(socket);
            return fd == null || !fd.valid() ? -1 : (int) Handles.POLL_NOW.invokeExact(fd, Handles.POLLIN | POLLRDHUP);
        } catch (Throwable t) {
            return -1;
        }
    }

    /**
     * Linux's POLLRDHUP: the peer shut its sending side down (its FIN arrived), reported even with
     * data still unread, which POLLIN alone cannot tell apart. The JDK has no constant for it;
     * elsewhere poll(2) ignores the bit and the answer falls back to POLLIN and FIONREAD.
     */
    static final int POLLRDHUP = System.getProperty("os.name", "").startsWith("Linux") ? 0x2000 : 0;

    /** poll(2)'s POLLIN and POLLERR bits as the JDK has them; 0 when unknown. */
    static short pollInBit() {
        return Handles.POLLIN;
    }

    static short pollErrBit() {
        return Handles.POLLERR;
    }

    /**
     * The SocketImpl a TLS socket ({@code sun.security.ssl.SSLSocketImpl}) sends through: its own,
     * or, layered over another socket, that socket's. Null when it cannot be read.
     */
    static Object tlsTransport(Object sslSocket) {
        try {
            if (Tls.SELF == null || Handles.SOCKET_IMPL == null) {
                return null;
            }
            Object self = Tls.SELF.invoke(sslSocket);
            Object impl = Handles.SOCKET_IMPL.invoke(self != null ? self : sslSocket);
            // a client socket's impl is a SOCKS wrapper around the platform one, which is traced
            return Handles.DELEGATE != null && Handles.DELEGATING.isInstance(impl) ? Handles.DELEGATE.invoke(impl) : impl;
        } catch (Throwable t) {
            return null;
        }
    }

    /** The TLS socket's field, resolved when the first TLS socket closes. */
    private static final class Tls {
        static final MethodHandle SELF = self();

        private static MethodHandle self() {
            try {
                Class<?> base = Class.forName("sun.security.ssl.BaseSSLSocketImpl", false, null);
                return MethodHandles.privateLookupIn(base, MethodHandles.lookup()).findGetter(base, "self", java.net.Socket.class);
            } catch (Throwable t) {
                return null; // who closed a TLS connection first then comes from its reads and the kernel at close
            }
        }
    }

    /** Bytes received and not yet read (FIONREAD), or -1 if unknown. */
    static int available(Object socket) {
        try {
            if (socket instanceof SocketImpl) {
                return (int) Handles.AVAILABLE.invokeExact((SocketImpl) socket);
            }
            if (Handles.CHANNEL.isInstance(socket)) {
                return (int) Handles.CHANNEL_AVAILABLE.invoke(socket);
            }
            if (Handles.NET_AVAILABLE != null && NettySockets.isNetty(socket)) {
                FileDescriptor fd = fd(socket);
                return fd == null ? -1 : (int) Handles.NET_AVAILABLE.invokeExact(fd);
            }
        } catch (Throwable t) {
            return -1; // closed or reset: nothing to tell
        }
        return -1;
    }

    /**
     * The local address the kernel bound this socket to, or null. A connected or accepted
     * SocketChannelImpl already holds it (the JDK asked the kernel when the connection was
     * established): read from its field, saving a getsockname per connection.
     */
    static InetSocketAddress localAddress(Object socket) {
        try {
            if (Handles.CHANNEL_LOCAL != null && Handles.CHANNEL.isInstance(socket)) {
                Object known = Handles.CHANNEL_LOCAL.invoke(socket);
                if (known instanceof InetSocketAddress && ((InetSocketAddress) known).getPort() != 0) {
                    return (InetSocketAddress) known;
                }
            }
            FileDescriptor fd = fd(socket);
            return fd == null || !fd.valid() ? null : (InetSocketAddress) Handles.LOCAL_ADDRESS.invokeExact(fd);
        } catch (Throwable t) {
            return null; // already closed: the caller keeps what it knew before
        }
    }

    /** The descriptor number of a socket, or -1 (closed, or the JDK's fields could not be read). */
    static int descriptor(Object socket) {
        try {
            if (NettySockets.isNetty(socket)) {
                return NettySockets.descriptor(socket);
            }
            FileDescriptor fd = socket == null ? null : fd(socket);
            return fd == null || !fd.valid() || Handles.FD_VALUE == null ? -1 : (int) Handles.FD_VALUE.invokeExact(fd);
        } catch (Throwable t) {
            return -1;
        }
    }

    private static FileDescriptor fd(Object socket) throws Throwable {
        if (socket instanceof SocketImpl) {
            return (FileDescriptor) Handles.SOCKET_IMPL_FD.invokeExact((SocketImpl) socket);
        }
        for (int i = 0; i < Handles.FD_OWNERS.length; i++) {
            if (Handles.FD_OWNERS[i] != null && Handles.FD_OWNERS[i].isInstance(socket)) {
                return (FileDescriptor) Handles.FD_GETTERS[i].invoke(socket);
            }
        }
        return nettyDescriptor(socket);
    }

    /**
     * A {@code java.io.FileDescriptor} holding the number of a Netty native socket, so that the
     * JDK's own socket calls ({@code Net.pollNow}, {@code Net.available}, {@code Net.localAddress})
     * can ask the kernel about it. Made for one question and dropped: it has no cleaner and is
     * never closed, so it cannot close Netty's descriptor.
     */
    private static FileDescriptor nettyDescriptor(Object socket) throws Throwable {
        if (Handles.FD_SETTER == null) {
            return null;
        }
        int number = NettySockets.descriptor(socket);
        if (number < 0) {
            return null;
        }
        FileDescriptor fd = new FileDescriptor();
        Handles.FD_SETTER.invokeExact(fd, number);
        return fd;
    }

    private static final class Handles {
        static final MethodHandle ADDRESS;
        static final MethodHandle PORT;
        static final MethodHandle SOCKET_IMPL_FD;
        static final MethodHandle AVAILABLE;
        static final MethodHandle LOCAL_ADDRESS;
        /** {@code Socket.impl}. */
        static final MethodHandle SOCKET_IMPL;
        /** {@code java.net.DelegatingSocketImpl} and its {@code delegate}: a SOCKS impl around the platform impl. */
        static final Class<?> DELEGATING;
        static final MethodHandle DELEGATE;
        /** {@code static int Net.pollNow(FileDescriptor, int)}: one poll(2) with no wait, its revents. */
        static final MethodHandle POLL_NOW;
        static final short POLLIN;
        static final short POLLERR;
        static final Class<?> CHANNEL;
        static final MethodHandle CHANNEL_REMOTE;
        static final MethodHandle CHANNEL_LOCAL;
        static final MethodHandle CHANNEL_AVAILABLE;
        static final Class<?> ASYNC_CHANNEL;
        static final MethodHandle ASYNC_REMOTE;
        static final Class<?>[] FD_OWNERS = new Class<?>[4];
        static final MethodHandle[] FD_GETTERS = new MethodHandle[4];
        static final MethodHandle FD_VALUE = fdValue();
        static final MethodHandle FD_SETTER = fdSetter();
        /** {@code static int Net.available(FileDescriptor)}: FIONREAD on any socket descriptor. */
        static final MethodHandle NET_AVAILABLE = netAvailable();

        private static MethodHandle fdSetter() {
            try {
                return MethodHandles.privateLookupIn(FileDescriptor.class, MethodHandles.lookup())
                        .findSetter(FileDescriptor.class, "fd", int.class);
            } catch (Throwable t) {
                return null; // Netty's native sockets then get no kernel questions at close
            }
        }

        private static MethodHandle netAvailable() {
            try {
                return staticIn("sun.nio.ch.Net", "available", MethodType.methodType(int.class, FileDescriptor.class));
            } catch (Throwable t) {
                return null;
            }
        }

        private static MethodHandle fdValue() {
            try {
                return MethodHandles.privateLookupIn(FileDescriptor.class, MethodHandles.lookup())
                        .findGetter(FileDescriptor.class, "fd", int.class);
            } catch (Throwable t) {
                return null; // java.io not opened to us: no TCP_INFO, nothing else lost
            }
        }

        static {
            MethodHandle address = null;
            MethodHandle port = null;
            MethodHandle fd = null;
            MethodHandle available = null;
            MethodHandle localAddress = null;
            MethodHandle pollNow = null;
            MethodHandle socketImpl = null;
            Class<?> delegating = Void.class;
            MethodHandle delegate = null;
            short pollIn = 0;
            short pollErr = 0;
            Class<?> channel = Void.class;
            MethodHandle channelRemote = null;
            MethodHandle channelLocal = null;
            MethodHandle channelAvailable = null;
            Class<?> async = Void.class;
            MethodHandle asyncRemote = null;
            try {
                MethodHandles.Lookup impl = MethodHandles.privateLookupIn(SocketImpl.class, MethodHandles.lookup());
                address = impl.findGetter(SocketImpl.class, "address", InetAddress.class);
                port = impl.findGetter(SocketImpl.class, "port", int.class);
                fd = impl.findGetter(SocketImpl.class, "fd", FileDescriptor.class);
                available = impl.findVirtual(SocketImpl.class, "available", MethodType.methodType(int.class));
                localAddress = staticIn("sun.nio.ch.Net", "localAddress", MethodType.methodType(InetSocketAddress.class, FileDescriptor.class));
                socketImpl = MethodHandles.privateLookupIn(java.net.Socket.class, MethodHandles.lookup())
                        .findGetter(java.net.Socket.class, "impl", SocketImpl.class);
                try {
                    delegating = Class.forName("java.net.DelegatingSocketImpl", false, null);
                    delegate = MethodHandles.privateLookupIn(delegating, MethodHandles.lookup())
                            .findGetter(delegating, "delegate", SocketImpl.class);
                } catch (ReflectiveOperationException e) {
                    delegate = null; // a JDK without the SOCKS wrapper
                }
                try {
                    Class<?> net = Class.forName("sun.nio.ch.Net", false, null);
                    MethodHandles.Lookup in = MethodHandles.privateLookupIn(net, MethodHandles.lookup());
                    pollNow = in.findStatic(net, "pollNow", MethodType.methodType(int.class, FileDescriptor.class, int.class));
                    pollIn = (short) in.findStaticGetter(net, "POLLIN", short.class).invokeExact();
                    pollErr = (short) in.findStaticGetter(net, "POLLERR", short.class).invokeExact();
                } catch (Throwable e) {
                    pollNow = null; // who closed first then comes from the application's reads alone
                }

                channel = Class.forName("sun.nio.ch.SocketChannelImpl", false, null);
                MethodHandles.Lookup ch = MethodHandles.privateLookupIn(channel, MethodHandles.lookup());
                channelRemote = ch.findGetter(channel, "remoteAddress", SocketAddress.class);
                channelLocal = ch.findGetter(channel, "localAddress", SocketAddress.class);
                channelAvailable = ch.findVirtual(channel, "available", MethodType.methodType(int.class));

                async = Class.forName("sun.nio.ch.AsynchronousSocketChannelImpl", false, null);
                MethodHandles.Lookup as = MethodHandles.privateLookupIn(async, MethodHandles.lookup());
                asyncRemote = as.findGetter(async, "remoteAddress", InetSocketAddress.class);

                String[] owners = {"sun.nio.ch.SocketChannelImpl", "sun.nio.ch.ServerSocketChannelImpl",
                    "sun.nio.ch.AsynchronousSocketChannelImpl", "sun.nio.ch.AsynchronousServerSocketChannelImpl"};
                for (int i = 0; i < owners.length; i++) {
                    Class<?> owner = Class.forName(owners[i], false, null);
                    FD_OWNERS[i] = owner;
                    FD_GETTERS[i] = MethodHandles.privateLookupIn(owner, MethodHandles.lookup()).findGetter(owner, "fd", FileDescriptor.class);
                }
            } catch (Throwable t) {
                AgentLog.warn("cannot read JDK socket internals (" + t + "); some address fields stay empty");
            }
            ADDRESS = address;
            PORT = port;
            SOCKET_IMPL_FD = fd;
            AVAILABLE = available;
            LOCAL_ADDRESS = localAddress;
            SOCKET_IMPL = socketImpl;
            DELEGATING = delegating;
            DELEGATE = delegate;
            POLL_NOW = pollIn == 0 ? null : pollNow;
            POLLIN = pollIn;
            POLLERR = pollErr;
            CHANNEL = channel;
            CHANNEL_REMOTE = channelRemote;
            CHANNEL_LOCAL = channelLocal;
            CHANNEL_AVAILABLE = channelAvailable;
            ASYNC_CHANNEL = async;
            ASYNC_REMOTE = asyncRemote;
        }

        private static MethodHandle staticIn(String className, String name, MethodType type) throws ReflectiveOperationException {
            Class<?> owner = Class.forName(className, false, null);
            return MethodHandles.privateLookupIn(owner, MethodHandles.lookup()).findStatic(owner, name, type);
        }
    }
}
