package io.socktrace.correlator.join;

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
            boolean interrupted = false;
            while (helper.isAlive()) {
                try {
                    helper.join();
                } catch (InterruptedException e) {
                    interrupted = true; // the helper ends by itself; keep the interrupt for the caller
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        // the join above orders the helper's writes (failure[0] and its part's results) before these reads
        Throwable thrown = failure[0];
        if (thrown instanceof RuntimeException) {
            throw (RuntimeException) thrown;
        }
        if (thrown != null) {
            throw (Error) thrown;
        }
    }
}
