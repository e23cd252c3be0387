package io.socktrace.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Finds the {@link Connection} of a socket implementation object. When the agent was present
 * before the JDK loaded the socket class, the instrumentation added a field to it
 * ({@link #FIELD_NAME}) and the lookup is a field load. When the class was already loaded (late
 * attach), a field cannot be added, and a weak identity map keyed by the socket object is used.
 */
public final class Connections {

    /** Name of the field the instrumentation adds to socket implementation classes. */
    public static final String FIELD_NAME = "socktrace$connection";

    private static final Map<Object, Connection> FALLBACK = Collections.synchronizedMap(new WeakHashMap<>());

    private Connections() {
    }

    /** The connection of this socket object, created on first sight. */
    static Connection of(Object socket) {
        VarHandle slot = slot(socket);
        if (slot != null) {
            Connection c = (Connection) slot.getAcquire(socket);
            if (c == null) {
                c = new Connection();
                Connection raced = (Connection) slot.compareAndExchange(socket, null, c);
                if (raced != null) {
                    c = raced;
                }
            }
            return c;
        }
        return FALLBACK.computeIfAbsent(socket, k -> new Connection());
    }

    /** The connection of this socket object if it has one, else null. */
    static Connection peek(Object socket) {
        VarHandle slot = slot(socket);
        if (slot != null) {
            return (Connection) slot.getAcquire(socket);
        }
        return FALLBACK.get(socket);
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
        VarHandle nio = NioSocketImplSlot.HANDLE;
        if (nio != null && NioSocketImplSlot.TYPE == socket.getClass()) {
            return nio;
        }
        return null;
    }

    /** Resolved on first use, when the socket class is loaded and (maybe) carries the field. */
    private static final class NioSocketImplSlot {
        static final Class<?> TYPE;
        static final VarHandle HANDLE;

        static {
            Class<?> type = null;
            VarHandle handle = null;
            try {
                type = Class.forName("sun.nio.ch.NioSocketImpl", false, null);
                handle = MethodHandles.privateLookupIn(type, MethodHandles.lookup())
                        .findVarHandle(type, FIELD_NAME, Object.class);
            } catch (NoSuchFieldException e) {
                AgentLog.debug("NioSocketImpl has no " + FIELD_NAME + " field (late attach): using a weak map");
            } catch (Throwable t) {
                AgentLog.error("resolving the connection field", t);
            }
            TYPE = type;
            HANDLE = handle;
        }
    }
}
