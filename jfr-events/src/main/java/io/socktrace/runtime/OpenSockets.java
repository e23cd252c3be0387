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
     * The open sockets as intrusive doubly-linked rings through {@link Tracked} itself: no
     * per-socket node besides the weak reference that is needed anyway (a concurrent set cost
     * ~40 bytes more per socket). A socket joins the ring of the thread that opened it, so a
     * client thread and a server thread churning connections on two cores do not take turns on
     * one lock (one shared ring cost ~0.5 µs per close in a churn); each ring is changed only on
     * open and close, under its own lock, never across I/O; readers take a snapshot.
     */
    private static final int RING_COUNT = 8;
    private static final Ring[] RINGS = new Ring[RING_COUNT];

    static {
        for (int i = 0; i < RING_COUNT; i++) {
            RINGS[i] = new Ring();
        }
    }

    /** One ring of open sockets and its lock. */
    private static final class Ring {
        final Tracked head = new Tracked(null, null, null);
        int count;

        Ring() {
            head.next = head;
            head.prev = head;
        }
    }

    private OpenSockets() {
    }

    /** A weak reference to an open socket, holding its connection state (which never refers back to the socket). */
    static final class Tracked extends WeakReference<Object> {
        final Connection connection;
        final Ring ring;
        /** Neighbours in the ring of open sockets; null once removed. */
        Tracked prev;
        Tracked next;

        Tracked(Object socket, Connection connection, Ring ring) {
            super(socket, COLLECTED);
            this.connection = connection;
            this.ring = ring;
        }
    }

    static void track(Object socket, Connection c) {
        if (c.tracked == null) {
            @SuppressWarnings("deprecation") // Thread.threadId() is JDK 19+
            Ring ring = RINGS[(int) (Thread.currentThread().getId() & (RING_COUNT - 1))];
            Tracked t = new Tracked(socket, c, ring);
            c.tracked = t;
            synchronized (ring) {
                t.prev = ring.head.prev;
                t.next = ring.head;
                ring.head.prev.next = t;
                ring.head.prev = t;
                ring.count++;
            }
            SocketMonitor.startOnce();
        }
    }

    /** Takes a socket out of its ring; false if it was not in it (closed before). */
    private static boolean remove(Tracked t) {
        Ring ring = t.ring;
        synchronized (ring) {
            if (t.next == null) {
                return false;
            }
            t.prev.next = t.next;
            t.next.prev = t.prev;
            t.prev = null;
            t.next = null;
            ring.count--;
            return true;
        }
    }

    /** The open sockets now, copied so that callers iterate without the locks. */
    static Tracked[] snapshot() {
        java.util.ArrayList<Tracked> all = new java.util.ArrayList<>();
        for (Ring ring : RINGS) {
            synchronized (ring) {
                all.ensureCapacity(all.size() + ring.count);
                for (Tracked t = ring.head.next; t != ring.head; t = t.next) {
                    all.add(t);
                }
            }
        }
        return all.toArray(new Tracked[0]);
    }

    static void untrack(Connection c) {
        Tracked t = c.tracked;
        if (t != null) {
            c.tracked = null;
            // Not cleared: clearing a reference is a call into the VM (~0.3 µs, a sixth of what an
            // unrecorded connection may cost), and an uncleared one costs nothing when it becomes
            // garbage with its socket; if the socket outlives it and is collected, the queued
            // reference is skipped because it is no longer in a ring (see takeCollected).
            remove(t);
        }
    }

    /** Every open socket's connection; for the samplers. */
    public static void forEach(Consumer<Connection> action) {
        for (Tracked t : snapshot()) {
            action.accept(t.connection);
        }
    }

    public static int count() {
        int count = 0;
        for (Ring ring : RINGS) {
            synchronized (ring) {
                count += ring.count;
            }
        }
        return count;
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
