package io.socktrace.correlator.join;

import io.socktrace.correlator.concurrent.Threads;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs two independent pieces of work at once, one on a short-lived thread of its own and one on
 * the caller's, and returns when both are done. Why: after the capture is read, explaining the
 * connections and writing the text report are the last steps, on one thread while the second core
 * idles; with tens of thousands of connections they took a noticeable part of the whole run. The
 * callers split work whose parts touch disjoint objects and put the parts' results together in
 * order, so what they produce is the same as on one thread.
 *
 * <p>The helper thread is a daemon and is always joined; an exception or error it throws comes out
 * of {@link #run} on the caller's thread, the same object, after the caller's own part ended.
 */
public final class TwoWorkers {
    /** Below this many items the work is too small for a second thread to pay off. */
    public static final int WORTH_SPLITTING = 2_000;

    private TwoWorkers() {
    }

    /**
     * Splits {@code items} in two halves and runs {@code first} on the first half on a thread of its
     * own and {@code second} on the rest on this one, as {@link #run}.
     */
    public static <T> void onHalves(List<T> items, Consumer<List<T>> first, Consumer<List<T>> second) {
        int middle = items.size() / 2;
        run(() -> first.accept(items.subList(0, middle)), () -> second.accept(items.subList(middle, items.size())));
    }

    /** Runs {@code first} on a thread of its own and {@code second} on this one; returns when both ended. */
    public static void run(Runnable first, Runnable second) {
        Throwable[] failure = new Throwable[1];
        Thread helper = new Thread(() -> {
            try {
                first.run();
            } catch (RuntimeException | Error e) {
                failure[0] = e;
            }
        }, "socktrace-report-helper");
        helper.setDaemon(true);
        helper.start();
        try {
            second.run();
        } finally {
            Threads.joinUninterruptibly(helper);
        }
        // the join above orders the helper's writes (failure[0] and its part's results) before these reads
        if (failure[0] != null) {
            Threads.rethrow(failure[0]);
        }
    }
}
