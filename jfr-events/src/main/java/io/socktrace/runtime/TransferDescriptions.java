package io.socktrace.runtime;

import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;
import jdk.jfr.Recording;

/**
 * Decides which Receive and Send events carry their connection's 4-tuple and host, and which only
 * its {@code connectionId}. Those five fields were 39 of the ~62 bytes of a Receive or Send (an
 * IPv4 loopback connection; the JDK's own {@code jdk.SocketRead} is 40 bytes): with every call
 * recorded, the bytes are what fills JFR's chunks, and each chunk rotation makes JFR tag again
 * every method of the next stacks it records.
 *
 * <p>A reader joins a Receive or Send to its connection by {@code connectionId}, and takes the
 * 4-tuple from any event of the connection that has it. So that one always exists in what a
 * reader holds, the first Receive/Send of a connection on a thread carries it, and again after
 * {@link #PERIOD_NANOS} (a recording cut to its last chunks, or one with {@code maxage}, still
 * has it near every call) and after any recording started or stopped (a recording begun while
 * the connection was open). A failed call carries it always: it is recorded whatever the
 * settings and read on its own. Per thread, in a small direct-mapped table by connection id: no
 * shared state to contend on, and a thread serving many connections at worst describes each
 * event, as every event did before.
 */
final class TransferDescriptions {

    /** How long a thread's description of a connection counts; a second, about JFR's flush period. */
    static final long PERIOD_NANOS = 1_000_000_000L;

    /** Slots per thread (a power of two): connection id, when described, recording generation. */
    private static final int SLOTS = 8;

    private static final ThreadLocal<long[]> RECENT = ThreadLocal.withInitial(() -> new long[SLOTS * 3]);

    /** Bumped whenever a recording changes state, so that a new recording gets the 4-tuple again. */
    private static volatile long generation;

    private TransferDescriptions() {
    }

    /** Listens for recordings starting and stopping; called once JFR is initialised. */
    static void listen() {
        FlightRecorder.addListener(new FlightRecorderListener() {
            @Override
            public void recordingStateChanged(Recording recording) {
                recordingChanged();
            }
        });
    }

    /** A recording started, stopped or otherwise changed state. */
    static void recordingChanged() {
        generation++; // JFR calls listeners one at a time; and any new value differs from the one noted
    }

    /** Whether an event of connection {@code id} made at {@code now} carries the 4-tuple; notes it if so. */
    static boolean due(long id, long now) {
        long[] recent = RECENT.get();
        int slot = (int) (id & (SLOTS - 1)) * 3;
        long g = generation;
        if (recent[slot] == id && recent[slot + 2] == g && now - recent[slot + 1] < PERIOD_NANOS) {
            return false;
        }
        recent[slot] = id;
        recent[slot + 1] = now;
        recent[slot + 2] = g;
        return true;
    }

    /** Forgets this thread's descriptions; for tests. */
    static void forgetThisThread() {
        RECENT.remove();
    }
}
