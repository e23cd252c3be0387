package io.socktrace.runtime;

import io.socktrace.events.CloseWaitLeakEvent;
import io.socktrace.events.LeakEvent;

/**
 * The two leak events: {@code socktrace.Leak} for a socket the garbage collector found never
 * closed, {@code socktrace.CloseWaitLeak} for a connection whose peer closed long ago while this
 * side kept it open. Run by the {@link SocketMonitor} thread, never on an application thread.
 */
final class LeakReporter {

    private LeakReporter() {
    }

    /**
     * One round of checks: reports sockets collected without close (waiting up to
     * {@code waitMillis} for the first), then connections sitting in CLOSE_WAIT too long.
     */
    static void check(long waitMillis) throws InterruptedException {
        OpenSockets.takeCollected(waitMillis, LeakReporter::leaked);
        closeWaitLeaks(System.nanoTime());
    }

    private static void leaked(Connection c) {
        if (c.phase == Connection.Phase.CLOSED) {
            return;
        }
        c.phase = Connection.Phase.CLOSED;
        Endpoint endpoint = c.endpoint;
        if (endpoint != null) {
            endpoint.add(Endpoint.LEAKED, 1);
        }
        boolean record = TracerConfig.jfrInitialized() && Sampling.allowAbnormal(c, AbnormalKind.LEAK);
        c.releaseEndpoint();
        if (!record) {
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
        for (OpenSockets.Tracked t : OpenSockets.snapshot()) {
            Connection c = t.connection;
            long eof = c.endOfStreamNanos;
            if (eof == 0 || c.closeWaitReported || now - eof < timeout || c.phase != Connection.Phase.CONNECTED
                    || !TracerConfig.jfrInitialized()) {
                continue; // (without JFR, kept for a recording that may still start)
            }
            c.closeWaitReported = true;
            CloseWaitLeakEvent e = new CloseWaitLeakEvent();
            if (e.shouldCommit() && Sampling.allowAbnormal(c, AbnormalKind.LEAK)) {
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
}
