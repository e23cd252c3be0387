package io.socktrace.runtime;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * What the runtime needs to know of Netty's native socket objects ({@code io.netty.channel.unix.Socket}
 * and its subclasses, in every copy a JVM may hold: plain Netty and relocated ones such as gRPC's
 * {@code io.grpc.netty.shaded.io.netty}), without linking against any of them: whether an object is
 * one, and its descriptor number, through a method handle found once per class. Netty's classes
 * live in application class loaders, often several; the boot-loaded runtime sees them only as
 * {@code Object}.
 */
public final class NettySockets {

    /** The binary name of Netty's descriptor class, which a relocated copy ends with after a dot. */
    static final String FILE_DESCRIPTOR = "io.netty.channel.unix.FileDescriptor";

    /** Per class: its {@code intValue()} (the descriptor number), or null when it is no Netty descriptor. */
    private static final ClassValue<MethodHandle> INT_VALUE = new ClassValue<MethodHandle>() {
        @Override
        protected MethodHandle computeValue(Class<?> type) {
            for (Class<?> c = type; c != null; c = c.getSuperclass()) {
                if (isNettyName(c.getName(), FILE_DESCRIPTOR)) {
                    try {
                        return MethodHandles.publicLookup().findVirtual(c, "intValue", MethodType.methodType(int.class))
                                .asType(MethodType.methodType(int.class, Object.class));
                    } catch (ReflectiveOperationException | RuntimeException e) {
                        AgentLog.error("reading the descriptor of " + type.getName(), e);
                        return null;
                    }
                }
            }
            return null;
        }
    };

    private NettySockets() {
    }

    /**
     * Whether {@code name} is {@code canonical} (a Netty class name, binary or internal) or a
     * relocated copy of it: {@code canonical} preceded by a package boundary.
     */
    public static boolean isNettyName(String name, String canonical) {
        if (!name.endsWith(canonical)) {
            return false;
        }
        if (name.length() == canonical.length()) {
            return true;
        }
        char boundary = name.charAt(name.length() - canonical.length() - 1);
        return boundary == '.' || boundary == '/';
    }

    /**
     * The Netty copy a class of it belongs to, named by its package, dotted: {@code io.netty}, or a
     * relocated one such as {@code io.grpc.netty.shaded.io.netty}. {@code name} is a Netty class's
     * name and {@code canonical} that class's own name (both binary or both internal).
     */
    public static String library(String name, String canonical) {
        return name.substring(0, name.length() - canonical.length()).replace('/', '.') + "io.netty";
    }

    /** Whether this object is a Netty descriptor (a native socket, or a pipe, eventfd… of Netty's). */
    static boolean isNetty(Object o) {
        return o != null && INT_VALUE.get(o.getClass()) != null;
    }

    /** The descriptor number of a Netty descriptor object, or -1 when it is none or cannot be read. */
    static int descriptor(Object o) {
        try {
            MethodHandle h = o == null ? null : INT_VALUE.get(o.getClass());
            return h == null ? -1 : (int) h.invokeExact(o);
        } catch (Throwable t) {
            return -1;
        }
    }

    /**
     * The peer Netty's {@code accept(byte[])} wrote into its address array: {@code [0]} is the
     * length, then an IPv4 (or IPv4-mapped) address and a big-endian 4-byte port (length 8), or an
     * IPv6 address, a 4-byte scope id and the port (length 24). Null when the bytes make no sense.
     */
    static java.net.InetSocketAddress acceptedPeer(byte[] address) {
        if (address == null || address.length < 1) {
            return null;
        }
        int length = address[0] & 0xff;
        try {
            if (length == 8 && address.length >= 9) {
                byte[] ip = java.util.Arrays.copyOfRange(address, 1, 5);
                return new java.net.InetSocketAddress(java.net.InetAddress.getByAddress(ip), port(address, 5));
            }
            if (length == 24 && address.length >= 25) {
                byte[] ip = java.util.Arrays.copyOfRange(address, 1, 17);
                int scope = port(address, 17);
                java.net.InetAddress a = scope == 0 ? java.net.InetAddress.getByAddress(ip)
                        : java.net.Inet6Address.getByAddress(null, ip, scope);
                return new java.net.InetSocketAddress(a, port(address, 21));
            }
        } catch (java.net.UnknownHostException e) {
            return null; // a length Netty never writes
        }
        return null;
    }

    private static int port(byte[] b, int at) {
        return ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
    }
}
