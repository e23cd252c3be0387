package io.socktrace.correlator.concurrent;

/**
 * The two things every helper thread of the correlator needs from the thread that started it: to
 * wait for it to end whatever interrupts arrive meanwhile, and to rethrow what it threw as the same
 * object. The decoding pipeline, the recording reader and joiner, and the report's second worker
 * all end this way, so a failure on a helper thread reads as if it had happened on the caller's.
 */
public final class Threads {

    private Threads() {
    }

    /**
     * Waits until {@code thread} has ended. An interrupt does not end the wait (the thread ends by
     * itself); it is kept for the caller, set again once the thread is gone.
     */
    public static void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Throws {@code thrown}, a helper thread's {@link RuntimeException} or {@link Error}, itself on
     * the calling thread (callers that expect a checked exception test for it first).
     */
    public static void rethrow(Throwable thrown) {
        if (thrown instanceof RuntimeException) {
            throw (RuntimeException) thrown;
        }
        throw (Error) thrown;
    }
}
