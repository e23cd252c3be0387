package io.socktrace.runtime;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.function.Consumer;

/**
 * The sockets of this JVM that are open right now (connected or listening), for the samplers and
 * the leak checks ({@link LeakReporter}). Each is held through a weak reference to the socket
 * object, so tracking never keeps a socket alive, and the garbage collector tells which were
 * dropped without a close. Tracking the first socket starts the {@link SocketMonitor}.
 */
public final class OpenSockets {

    private static final ReferenceQueue<Object> COLLECTED = new ReferenceQueue<>();
    /**
     * The open sockets as an intrusive doubly-linked ring through {@link Tracked} itself: no
     * per-socket node besides the weak reference that is needed anyway (a concurrent set cost
     * ~40 bytes more per socket). Changed only on open and close, under this lock, never
     * across I/O; readers take a snapshot.
     */
    private static final Object LOCK = new Object();
    private static final Tracked HEAD = new Tracked(null, null);
    private static int count;

    static {
        HEAD.next = HEAD;
        HEAD.prev = HEAD;
    }

    private OpenSockets() {
    }

    /** A weak reference to an open socket, holding its connection state (which never refers back to the socket). */
    static final class Tracked extends WeakReference<Object> {
        final Connection connection;
        /** Neighbours in the ring of open sockets; null once removed. */
        Tracked prev;
        Tracked next;

        Tracked(Object socket, Connection connection) {
            super(socket, COLLECTED);
            this.connection = connection;
        }
    }

    static void track(Object socket, Connection c) {
        if (c.tracked == null) {
            Tracked t = new Tracked(socket, c);
            c.tracked = t;
            synchronized (LOCK) {
                t.prev = HEAD.prev;
                t.next = HEAD;
                HEAD.prev.next = t;
                HEAD.prev = t;
                count++;
            }
            SocketMonitor.startOnce();
        }
    }

    /** Takes a socket out of the ring; false if it was not in it (closed before). */
    private static boolean remove(Tracked t) {
        synchronized (LOCK) {
            if (t.next == null) {
                return false;
            }
            t.prev.next = t.next;
            t.next.prev = t.prev;
            t.prev = null;
            t.next = null;
            count--;
            return true;
        }
    }

    /** The open sockets now, copied so that callers iterate without the lock. */
    static Tracked[] snapshot() {
        synchronized (LOCK) {
            Tracked[] all = new Tracked[count];
            int i = 0;
            for (Tracked t = HEAD.next; t != HEAD; t = t.next) {
                all[i++] = t;
            }
            return all;
        }
    }

    static void untrack(Connection c) {
        Tracked t = c.tracked;
        if (t != null) {
            c.tracked = null;
            remove(t);
            t.clear();
        }
    }

    /** Every open socket's connection; for the samplers. */
    public static void forEach(Consumer<Connection> action) {
        for (Tracked t : snapshot()) {
            action.accept(t.connection);
        }
    }

    public static int count() {
        synchronized (LOCK) {
            return count;
        }
    }

    /**
     * Waits up to {@code waitMillis} for a socket the garbage collector found unclosed, takes it
     * and any others found by then out of the ring, and passes each one's connection to
     * {@code leaked}; sockets closed before they were collected are skipped.
     */
    static void takeCollected(long waitMillis, Consumer<Connection> leaked) throws InterruptedException {
        Reference<?> r = COLLECTED.remove(waitMillis);
        while (r != null) {
            Tracked t = (Tracked) r;
            if (remove(t)) {
                t.connection.tracked = null;
                leaked.accept(t.connection);
            }
            r = COLLECTED.poll();
        }
    }
}
