package io.socktrace.runtime;

import java.io.FileDescriptor;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketImpl;

/**
 * Reads JDK-internal socket state that advice cannot reach directly: the peer fields of a
 * {@code SocketImpl} other than {@code this} (the socket an accept filled in), its file
 * descriptor, and the kernel's idea of the local address ({@code getsockname}, which the JDK only
 * partly caches). The agent opens {@code java.net} and {@code sun.nio.ch} to the boot loader's
 * unnamed module before any of this runs. If that failed, every method returns null or -1 and
 * the events simply lack the field.
 */
final class JdkAccess {

    private JdkAccess() {
    }

    static InetAddress remoteAddress(SocketImpl impl) {
        try {
            return Handles.ADDRESS == null ? null : (InetAddress) Handles.ADDRESS.invokeExact(impl);
        } catch (Throwable t) {
            AgentLog.error("reading SocketImpl.address", t);
            return null;
        }
    }

    static int remotePort(SocketImpl impl) {
        try {
            return Handles.PORT == null ? -1 : (int) Handles.PORT.invokeExact(impl);
        } catch (Throwable t) {
            AgentLog.error("reading SocketImpl.port", t);
            return -1;
        }
    }

    /** Bytes received and not yet read (FIONREAD), or -1 if unknown. */
    static int available(SocketImpl impl) {
        try {
            return Handles.AVAILABLE == null ? -1 : (int) Handles.AVAILABLE.invokeExact(impl);
        } catch (Throwable t) {
            return -1; // closed or reset: nothing to tell
        }
    }

    /** The local address the kernel bound this socket to, or null. */
    static InetSocketAddress localAddress(SocketImpl impl) {
        try {
            if (Handles.FD == null || Handles.LOCAL_ADDRESS == null) {
                return null;
            }
            FileDescriptor fd = (FileDescriptor) Handles.FD.invokeExact(impl);
            return fd == null || !fd.valid() ? null : (InetSocketAddress) Handles.LOCAL_ADDRESS.invokeExact(fd);
        } catch (Throwable t) {
            return null; // already closed: the caller records what it knew before
        }
    }

    private static final class Handles {
        static final MethodHandle ADDRESS;
        static final MethodHandle PORT;
        static final MethodHandle FD;
        static final MethodHandle AVAILABLE;
        static final MethodHandle LOCAL_ADDRESS;

        static {
            MethodHandle address = null;
            MethodHandle port = null;
            MethodHandle fd = null;
            MethodHandle available = null;
            MethodHandle localAddress = null;
            try {
                MethodHandles.Lookup impl = MethodHandles.privateLookupIn(SocketImpl.class, MethodHandles.lookup());
                address = impl.findGetter(SocketImpl.class, "address", InetAddress.class);
                port = impl.findGetter(SocketImpl.class, "port", int.class);
                fd = impl.findGetter(SocketImpl.class, "fd", FileDescriptor.class);
                available = impl.findVirtual(SocketImpl.class, "available", MethodType.methodType(int.class));
                Class<?> net = Class.forName("sun.nio.ch.Net", false, null);
                localAddress = MethodHandles.privateLookupIn(net, MethodHandles.lookup())
                        .findStatic(net, "localAddress", MethodType.methodType(InetSocketAddress.class, FileDescriptor.class));
            } catch (Throwable t) {
                AgentLog.warn("cannot read JDK socket internals (" + t + "); some address fields stay empty");
            }
            ADDRESS = address;
            PORT = port;
            FD = fd;
            AVAILABLE = available;
            LOCAL_ADDRESS = localAddress;
        }
    }
}
