package io.socktrace.runtime;

import io.socktrace.events.CloseWaitLeakEvent;
import io.socktrace.events.LeakEvent;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The sockets of this JVM that are open right now (connected or listening), for the samplers and
 * the leak checks. Each is held through a weak reference to the socket object, so tracking never
 * keeps a socket alive; when the garbage collector finds one that was never closed, that is a
 * {@code socktrace.Leak}. The checks run on the agent's own daemon thread, never on application
 * threads.
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
    private static final AtomicBoolean MONITOR_STARTED = new AtomicBoolean();
    private static volatile Runnable firstSocketHook;

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
            if (!MONITOR_STARTED.get()) {
                startMonitor();
            }
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
    private static Tracked[] snapshot() {
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
     * One round of the agent thread's checks: reports sockets collected without close (waiting
     * up to {@code waitMillis} for the first), then connections sitting in CLOSE_WAIT too long.
     */
    public static void check(long waitMillis) throws InterruptedException {
        Reference<?> r = COLLECTED.remove(waitMillis);
        while (r != null) {
            leaked((Tracked) r);
            r = COLLECTED.poll();
        }
        closeWaitLeaks(System.nanoTime());
    }

    private static void leaked(Tracked t) {
        if (!remove(t)) {
            return; // closed properly before it was collected
        }
        Connection c = t.connection;
        c.tracked = null;
        if (c.phase == Connection.Phase.CLOSED) {
            return;
        }
        c.phase = Connection.Phase.CLOSED;
        if (!TracerConfig.jfrInitialized()) {
            return;
        }
        LeakEvent e = new LeakEvent();
        if (e.shouldCommit()) {
            Tracing.fill(e, c);
            e.age = c.establishedNanos == 0 ? 0 : System.nanoTime() - c.establishedNanos;
            e.listening = c.backlog() != 0 || c.remotePort == 0;
            e.endOfStreamSeen = c.endOfStreamNanos != 0;
            e.bytesRead = c.bytesRead;
            e.bytesWritten = c.bytesWritten;
            e.openingStack = c.openingStackText();
            e.commit();
        }
    }

    private static void closeWaitLeaks(long now) {
        long timeout = TracerConfig.closeWaitTimeoutNanos;
        for (Tracked t : snapshot()) {
            Connection c = t.connection;
            long eof = c.endOfStreamNanos;
            if (eof == 0 || c.closeWaitReported || now - eof < timeout || c.phase != Connection.Phase.CONNECTED
                    || !TracerConfig.jfrInitialized()) {
                continue; // (without JFR, kept for a recording that may still start)
            }
            c.closeWaitReported = true;
            CloseWaitLeakEvent e = new CloseWaitLeakEvent();
            if (e.shouldCommit()) {
                Tracing.fill(e, c);
                e.closeWaitTime = now - eof;
                e.age = c.establishedNanos == 0 ? 0 : now - c.establishedNanos;
                e.bytesRead = c.bytesRead;
                e.bytesWritten = c.bytesWritten;
                e.openingStack = c.openingStackText();
                e.commit();
            }
        }
    }

    /**
     * Work the agent leaves until this JVM has a socket (registering the kernel sampler): run once,
     * on the monitor thread when it starts, never on an application thread.
     */
    public static void setFirstSocketHook(Runnable hook) {
        firstSocketHook = hook;
    }

    /**
     * Starts the agent's daemon thread that runs {@link #check} until the JVM exits, once: when
     * the first socket is tracked, so a program without sockets never has the thread.
     */
    static void startMonitor() {
        if (MONITOR_STARTED.getAndSet(true)) {
            return;
        }
        Thread monitor = new Thread(new Monitor(), "socktrace-monitor");
        monitor.setDaemon(true);
        monitor.start();
    }

    /** The monitor thread's loop. */
    private static final class Monitor implements Runnable {
        @Override
        public void run() {
            Runnable hook = firstSocketHook;
            if (hook != null) {
                try {
                    hook.run();
                } catch (Throwable t) {
                    AgentLog.error("first socket hook", t);
                }
            }
            while (true) {
                try {
                    long interval = Math.max(50, Math.min(1000, TracerConfig.closeWaitTimeoutNanos / 4_000_000L));
                    check(interval);
                } catch (InterruptedException e) {
                    return;
                } catch (Throwable t) {
                    AgentLog.error("socket monitor", t);
                }
            }
        }
    }
}
