package io.socktrace.testsupport;

import java.util.concurrent.TimeUnit;

/**
 * A process a test started, stopped when the try block that holds it ends, however it ends: an
 * assertion that fails while a capture or a child JVM runs must not leave it running.
 */
public final class Stopping implements AutoCloseable {
    private final Process process;

    private Stopping(Process process) {
        this.process = process;
    }

    /** Holds {@code process} until {@link #close}. */
    public static Stopping of(Process process) {
        return new Stopping(process);
    }

    /** The process held. */
    public Process process() {
        return process;
    }

    /** Kills the process and everything it started, if still running, and waits until it is gone. */
    @Override
    public void close() throws InterruptedException {
        if (!process.isAlive()) {
            return;
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }
}
