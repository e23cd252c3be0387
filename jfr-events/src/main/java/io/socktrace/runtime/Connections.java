package io.socktrace.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Finds the {@link Connection} of a socket implementation object. When the agent was present
 * before the JDK loaded the socket class, the instrumentation added a field to it
 * ({@link #FIELD_NAME}) and the lookup is a field load. When the class was already loaded (late
 * attach), a field cannot be added, and a {@link WeakIdentityMap} keyed by the socket object is
 * used: its lookups take no lock, so the sockets of a late-attached JVM do not queue on one.
 */
public final class Connections {

    /** Name of the field the instrumentation adds to socket implementation classes. */
    public static final String FIELD_NAME = "socktrace$connection";

    private static final WeakIdentityMap<Connection> FALLBACK = new WeakIdentityMap<>();

    private Connections() {
    }

    /** The connection of this socket object, created on first sight. */
    static Connection of(Object socket) {
        Connection c = peek(socket);
        return c != null ? c : create(socket);
    }

    /**
     * The connection of this socket object if it has one, else null. Called on every read and
     * write: each branch reads its own {@code static final} handle, which the JIT compiles to a
     * plain field load. A handle chosen at run time (one method returning the slot of the type)
     * is not a constant where it is used, and every access then went through the handle's
     * generic invocation path, which showed in profiles of a socket call as several frames of
     * its own.
     */
    static Connection peek(Object socket) {
        Class<?> type = socket.getClass();
        if (type == Slots.NIO_SOCKET_IMPL) {
            if (Slots.NIO_SOCKET_IMPL_SLOT != null) {
                return (Connection) Slots.NIO_SOCKET_IMPL_SLOT.getAcquire(socket);
            }
        } else if (type == Slots.SOCKET_CHANNEL) {
            if (Slots.SOCKET_CHANNEL_SLOT != null) {
                return (Connection) Slots.SOCKET_CHANNEL_SLOT.getAcquire(socket);
            }
        } else if (type == Slots.SERVER_SOCKET_CHANNEL) {
            if (Slots.SERVER_SOCKET_CHANNEL_SLOT != null) {
                return (Connection) Slots.SERVER_SOCKET_CHANNEL_SLOT.getAcquire(socket);
            }
        } else if (Slots.ASYNC_SOCKET_CHANNEL != null && Slots.ASYNC_SOCKET_CHANNEL.isInstance(socket)) {
            if (Slots.ASYNC_SOCKET_CHANNEL_SLOT != null) {
                return (Connection) Slots.ASYNC_SOCKET_CHANNEL_SLOT.getAcquire(socket);
            }
        } else if (Slots.ASYNC_SERVER_SOCKET_CHANNEL != null && Slots.ASYNC_SERVER_SOCKET_CHANNEL.isInstance(socket)) {
            if (Slots.ASYNC_SERVER_SOCKET_CHANNEL_SLOT != null) {
                return (Connection) Slots.ASYNC_SERVER_SOCKET_CHANNEL_SLOT.getAcquire(socket);
            }
        } else {
            VarHandle other = LIBRARY_SLOTS.get(type);
            if (other != null) {
                return (Connection) other.getAcquire(socket);
            }
        }
        return FALLBACK.get(socket);
    }

    /**
     * The connection field of a library's socket class (Netty's {@code unix.Socket}, which the
     * instrumentation gives one as it loads), found once per concrete class in its superclasses;
     * null for every other class, and for Netty's classes loaded before the agent (late attach),
     * which use the weak map. A handle chosen per class is no constant where it is used, which
     * costs a little on every lookup; still far less than the weak map's bucket walk, and no lock
     * when a connection is added or removed.
     */
    private static final ClassValue<VarHandle> LIBRARY_SLOTS = new ClassValue<VarHandle>() {
        @Override
        protected VarHandle computeValue(Class<?> type) {
            for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
                if (c.getClassLoader() == null) {
                    return null; // a JDK class: its slot, if any, is among the Slots
                }
                for (java.lang.reflect.Field f : c.getDeclaredFields()) {
                    if (f.getName().equals(FIELD_NAME) && f.getType() == Object.class) {
                        try {
                            return MethodHandles.privateLookupIn(c, MethodHandles.lookup()).findVarHandle(c, FIELD_NAME, Object.class);
                        } catch (ReflectiveOperationException | RuntimeException e) {
                            AgentLog.debug("cannot reach the connection field of " + c.getName() + " (" + e + "): using a weak map");
                            return null;
                        }
                    }
                }
            }
            return null;
        }
    };

    /** First sight of a socket: its connection, made here unless another thread was quicker. */
    private static Connection create(Object socket) {
        VarHandle slot = slot(socket);
        if (slot != null) {
            Connection c = new Connection();
            Connection raced = (Connection) slot.compareAndExchange(socket, null, c);
            return raced != null ? raced : c;
        }
        return FALLBACK.computeIfAbsent(socket, Connection::new);
    }

    /** Forgets the connection once its socket is closed; the socket object may live on. */
    static void forget(Object socket) {
        if (slot(socket) == null) {
            FALLBACK.remove(socket);
        }
    }

    /** Sockets the weak map holds right now; for tests. */
    static int weakMapSize() {
        return FALLBACK.size();
    }

    private static VarHandle slot(Object socket) {
        Class<?> type = socket.getClass();
        if (type == Slots.NIO_SOCKET_IMPL) {
            return Slots.NIO_SOCKET_IMPL_SLOT;
        }
        if (type == Slots.SOCKET_CHANNEL) {
            return Slots.SOCKET_CHANNEL_SLOT;
        }
        if (type == Slots.SERVER_SOCKET_CHANNEL) {
            return Slots.SERVER_SOCKET_CHANNEL_SLOT;
        }
        if (Slots.ASYNC_SOCKET_CHANNEL != null && Slots.ASYNC_SOCKET_CHANNEL.isInstance(socket)) {
            return Slots.ASYNC_SOCKET_CHANNEL_SLOT;
        }
        if (Slots.ASYNC_SERVER_SOCKET_CHANNEL != null && Slots.ASYNC_SERVER_SOCKET_CHANNEL.isInstance(socket)) {
            return Slots.ASYNC_SERVER_SOCKET_CHANNEL_SLOT;
        }
        return LIBRARY_SLOTS.get(type);
    }

    /**
     * The field of each traced class, resolved on first use. Resolving loads the classes that
     * are not loaded yet, which is harmless: the instrumentation adds the field as they load.
     */
    private static final class Slots {
        static final Class<?> NIO_SOCKET_IMPL = type("sun.nio.ch.NioSocketImpl");
        static final VarHandle NIO_SOCKET_IMPL_SLOT = slot(NIO_SOCKET_IMPL);
        static final Class<?> SOCKET_CHANNEL = type("sun.nio.ch.SocketChannelImpl");
        static final VarHandle SOCKET_CHANNEL_SLOT = slot(SOCKET_CHANNEL);
        static final Class<?> SERVER_SOCKET_CHANNEL = type("sun.nio.ch.ServerSocketChannelImpl");
        static final VarHandle SERVER_SOCKET_CHANNEL_SLOT = slot(SERVER_SOCKET_CHANNEL);
        static final Class<?> ASYNC_SOCKET_CHANNEL = type("sun.nio.ch.AsynchronousSocketChannelImpl");
        static final VarHandle ASYNC_SOCKET_CHANNEL_SLOT = slot(ASYNC_SOCKET_CHANNEL);
        static final Class<?> ASYNC_SERVER_SOCKET_CHANNEL = type("sun.nio.ch.AsynchronousServerSocketChannelImpl");
        static final VarHandle ASYNC_SERVER_SOCKET_CHANNEL_SLOT = slot(ASYNC_SERVER_SOCKET_CHANNEL);

        private static Class<?> type(String name) {
            try {
                return Class.forName(name, false, null);
            } catch (Throwable t) {
                AgentLog.error("loading " + name, t);
                return null;
            }
        }

        private static VarHandle slot(Class<?> type) {
            if (type == null) {
                return null;
            }
            try {
                return MethodHandles.privateLookupIn(type, MethodHandles.lookup()).findVarHandle(type, FIELD_NAME, Object.class);
            } catch (NoSuchFieldException e) {
                AgentLog.debug(type.getName() + " has no " + FIELD_NAME + " field (late attach): using a weak map");
            } catch (Throwable t) {
                AgentLog.error("resolving the connection field of " + type.getName(), t);
            }
            return null;
        }
    }
}
