package io.socktrace.runtime;

import io.socktrace.events.CloseWaitLeakEvent;
import io.socktrace.events.LeakEvent;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
    private static final Set<Tracked> OPEN = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean MONITOR_STARTED = new AtomicBoolean();
    private static volatile Runnable firstSocketHook;

    private OpenSockets() {
    }

    /** A weak reference to an open socket, holding its connection state (which never refers back to the socket). */
    static final class Tracked extends WeakReference<Object> {
        final Connection connection;

        Tracked(Object socket, Connection connection) {
            super(socket, COLLECTED);
            this.connection = connection;
        }
    }

    static void track(Object socket, Connection c) {
        if (c.tracked == null) {
            Tracked t = new Tracked(socket, c);
            c.tracked = t;
            OPEN.add(t);
            if (!MONITOR_STARTED.get()) {
                startMonitor();
            }
        }
    }

    static void untrack(Connection c) {
        Tracked t = c.tracked;
        if (t != null) {
            c.tracked = null;
            OPEN.remove(t);
            t.clear();
        }
    }

    /** Every open socket's connection; for the samplers. */
    public static void forEach(Consumer<Connection> action) {
        for (Tracked t : OPEN) {
            action.accept(t.connection);
        }
    }

    public static int count() {
        return OPEN.size();
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
        if (!OPEN.remove(t)) {
            return; // closed properly before it was collected
        }
        Connection c = t.connection;
        c.tracked = null;
        if (c.phase == Connection.Phase.CLOSED) {
            return;
        }
        c.phase = Connection.Phase.CLOSED;
        LeakEvent e = new LeakEvent();
        if (e.shouldCommit()) {
            Tracing.fill(e, c);
            e.age = c.establishedNanos == 0 ? 0 : System.nanoTime() - c.establishedNanos;
            e.listening = c.backlog != 0 || c.remotePort == 0;
            e.endOfStreamSeen = c.endOfStreamNanos != 0;
            e.bytesRead = c.bytesRead;
            e.bytesWritten = c.bytesWritten;
            e.openingStack = c.openingStack == null ? null : c.openingStack.format();
            e.commit();
        }
    }

    private static void closeWaitLeaks(long now) {
        long timeout = TracerConfig.closeWaitTimeoutNanos;
        for (Tracked t : OPEN) {
            Connection c = t.connection;
            long eof = c.endOfStreamNanos;
            if (eof == 0 || c.closeWaitReported || now - eof < timeout || c.phase != Connection.Phase.CONNECTED) {
                continue;
            }
            c.closeWaitReported = true;
            CloseWaitLeakEvent e = new CloseWaitLeakEvent();
            if (e.shouldCommit()) {
                Tracing.fill(e, c);
                e.closeWaitTime = now - eof;
                e.age = c.establishedNanos == 0 ? 0 : now - c.establishedNanos;
                e.bytesRead = c.bytesRead;
                e.bytesWritten = c.bytesWritten;
                e.openingStack = c.openingStack == null ? null : c.openingStack.format();
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
