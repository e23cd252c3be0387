package io.socktrace.demo;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A task on a named daemon thread whose result the scenario collects: the other end of a
 * channel-based connection, where {@link ServerSide} (which serves a {@link java.net.Socket})
 * does not fit. A thread of its own so that both ends can block at once and a recording
 * attributes each event to the side that caused it.
 *
 * @param <T> what the task observed, which the scenario prints
 */
final class Background<T> implements AutoCloseable {

    private final String threadName;
    private final FutureTask<T> task;

    private Background(String threadName, Callable<T> work) {
        this.threadName = threadName;
        this.task = new FutureTask<>(work);
    }

    static <T> Background<T> start(String threadName, Callable<T> work) {
        Background<T> background = new Background<>(threadName, work);
        Thread thread = new Thread(background.task, threadName);
        // If the guards fail and the thread hangs anyway, it must not keep the JVM alive.
        thread.setDaemon(true);
        thread.start();
        return background;
    }

    /** Waits for the task's result; a failure or a timeout names the thread. */
    T await(long timeoutMs) throws InterruptedException {
        try {
            return task.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(threadName + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(threadName + " did not finish within " + timeoutMs + " ms", e);
        }
    }

    /** Interrupts a task that is still running because the scenario failed half way. */
    @Override
    public void close() {
        task.cancel(true);
    }
}
