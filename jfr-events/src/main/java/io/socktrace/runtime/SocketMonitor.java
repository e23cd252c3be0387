package io.socktrace.runtime;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The agent's daemon thread, {@code socktrace-monitor}: started when the first socket is tracked,
 * so a program without sockets never has it. It runs the work the agent deferred to the first
 * socket, then the {@link LeakReporter}'s checks until the JVM exits.
 */
public final class SocketMonitor {

    private static final AtomicBoolean STARTED = new AtomicBoolean();
    private static volatile Runnable firstSocketHook;

    private SocketMonitor() {
    }

    /**
     * Work the agent leaves until this JVM has a socket (registering the kernel sampler): run once,
     * on the monitor thread when it starts, never on an application thread.
     */
    public static void setFirstSocketHook(Runnable hook) {
        firstSocketHook = hook;
    }

    /** Starts the thread unless it runs already; cheap to call on every socket tracked. */
    static void startOnce() {
        if (STARTED.get() || STARTED.getAndSet(true)) {
            return;
        }
        Thread monitor = new Thread(SocketMonitor::run, "socktrace-monitor");
        monitor.setDaemon(true);
        monitor.start();
    }

    private static void run() {
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
                // often enough to report a CLOSE_WAIT near its timeout, at most once a second
                long interval = Math.max(50, Math.min(1000, TracerConfig.closeWaitTimeoutNanos / 4_000_000L));
                LeakReporter.check(interval);
            } catch (InterruptedException e) {
                return;
            } catch (Throwable t) {
                AgentLog.error("socket monitor", t);
            }
        }
    }
}
