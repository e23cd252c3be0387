package io.socktrace.demo;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Closes the channels of a scenario that has run far past its time. Blocking channel I/O has
 * no timeout of its own ({@code SO_TIMEOUT} applies to {@link java.net.Socket} streams only),
 * and closing a channel from another thread is the one thing that ends a blocked channel
 * accept, read or write. So a scenario that goes wrong fails within seconds instead of hanging.
 *
 * <p>It never fires in a run that goes as planned; the scenario closes it when it is done.
 */
final class Watchdog implements AutoCloseable {

    private final CountDownLatch done = new CountDownLatch(1);
    private final List<Closeable> guarded = new CopyOnWriteArrayList<>();
    private volatile boolean fired;

    private Watchdog() {
    }

    /** Starts a daemon thread of the given name that fires after {@code timeoutMs}. */
    static Watchdog start(String threadName, long timeoutMs) {
        Watchdog watchdog = new Watchdog();
        Thread thread = new Thread(() -> watchdog.watch(timeoutMs), threadName);
        thread.setDaemon(true);
        thread.start();
        return watchdog;
    }

    /** Adds a channel to close if the watchdog fires; any thread may call it. */
    <C extends Closeable> C guard(C channel) {
        guarded.add(channel);
        if (fired) {
            // Registered after the watchdog fired: close it too, or it could block for good.
            closeQuietly(channel);
        }
        return channel;
    }

    /** Whether the watchdog had to close the channels. */
    boolean fired() {
        return fired;
    }

    /** The scenario is done: the watchdog stops without touching anything. */
    @Override
    public void close() {
        done.countDown();
    }

    private void watch(long timeoutMs) {
        try {
            if (done.await(timeoutMs, TimeUnit.MILLISECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        fired = true;
        guarded.forEach(Watchdog::closeQuietly);
    }

    private static void closeQuietly(Closeable channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // The blocked call fails either way, and the scenario reports that.
        }
    }
}
