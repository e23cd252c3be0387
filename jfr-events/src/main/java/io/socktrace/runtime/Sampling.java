package io.socktrace.runtime;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Which connections and events the recording gets (DESIGN: "Defaults are for production"). Normal
 * connections are sampled a whole connection at a time, at most {@link #connectionsPerSecond} per
 * second and direction: a sampled connection has every event of its life recorded. Abnormal events
 * (failures, resets, aborts, slow connects, long CLOSE_WAITs, slow or failed reads and writes,
 * leaks) are recorded whether the connection was sampled or not, up to {@link #abnormalPerSecond}
 * per endpoint and kind; beyond that they are counted in {@link Endpoints}, like every connection.
 * The agent sets the rates from the running recordings' settings of {@code socktrace.Sampling}.
 */
public final class Sampling {

    private static final int OUTGOING = 0;
    private static final int INCOMING = 1;
    private static final AtomicLongArray DIRECTIONS = new AtomicLongArray(2);

    static volatile long connectionsPerSecond = 100;
    static volatile long abnormalPerSecond = 100;
    static volatile long slowConnectNanos = 1_000_000L;
    static volatile long longCloseWaitNanos = 1_000_000_000L;

    private Sampling() {
    }

    /**
     * Sets what the recordings ask for. {@code connectionsPerSecond} 0: every connection recorded;
     * {@code abnormalPerSecond} 0: no limit.
     */
    public static void configure(long connections, long abnormal, long slowConnect, long longCloseWait) {
        connectionsPerSecond = Math.max(0, connections);
        abnormalPerSecond = Math.max(0, abnormal);
        slowConnectNanos = Math.max(0, slowConnect);
        longCloseWaitNanos = Math.max(0, longCloseWait);
    }

    public static long connectionsPerSecond() {
        return connectionsPerSecond;
    }

    public static long abnormalPerSecond() {
        return abnormalPerSecond;
    }

    public static long slowConnectNanos() {
        return slowConnectNanos;
    }

    public static long longCloseWaitNanos() {
        return longCloseWaitNanos;
    }

    /** Decides once whether {@code c} is one of the sampled connections (a connect, or with {@code incoming} an accept). */
    static boolean decide(Connection c, boolean incoming) {
        byte decided = c.sampling;
        if (decided != Connection.UNDECIDED) {
            return decided == Connection.SAMPLED;
        }
        boolean sampled = RateLimiter.tryAcquire(DIRECTIONS, incoming ? INCOMING : OUTGOING, connectionsPerSecond, System.nanoTime());
        c.sampling = sampled ? Connection.SAMPLED : Connection.NOT_SAMPLED;
        return sampled;
    }

    /** Whether {@code c}'s per-connection events (options, half-close) are recorded: its connect or accept was sampled. */
    static boolean sampled(Connection c) {
        return decide(c, false);
    }

    /**
     * Whether an abnormal event of {@code kind} on {@code c} could still be recorded this second,
     * without using the permit: for work only a recorded event needs (a failed connect's local
     * port, a system call), skipped in a storm beyond the rate.
     */
    static boolean abnormalMayBeRecorded(Connection c, AbnormalKind kind) {
        Endpoint endpoint = c.endpoint;
        return endpoint == null || RateLimiter.hasPermit(endpoint.limits, kind.ordinal(), abnormalPerSecond, System.nanoTime());
    }

    /**
     * Whether an abnormal event of {@code kind} on {@code c} may be recorded now; when not, it is
     * counted as not recorded on the connection's endpoint.
     */
    static boolean allowAbnormal(Connection c, AbnormalKind kind) {
        Endpoint endpoint = c.endpoint;
        long rate = abnormalPerSecond;
        if (rate <= 0 || endpoint == null) {
            return true;
        }
        if (RateLimiter.tryAcquire(endpoint.limits, kind.ordinal(), rate, System.nanoTime())) {
            return true;
        }
        endpoint.add(Endpoint.EVENTS_NOT_RECORDED, 1);
        return false;
    }
}
