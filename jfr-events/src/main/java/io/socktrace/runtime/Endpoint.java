package io.socktrace.runtime;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Exact, cumulative counts for one remote endpoint this JVM connects to (host as asked, address,
 * port) or one of its listeners, shared by every connection to (or accepted by) it; read each
 * period by {@link Endpoints}. Counters are atomic adds on one array: a few per connection, never
 * one per read or write (bytes are taken from the connections at close and at each period).
 */
final class Endpoint {

    enum Role { REMOTE, LISTENER, OTHER }

    // counter indices: connect outcomes first, by ConnectOutcome ordinal
    static final int CONNECT_OUTCOMES = 0;
    static final int ACCEPTED = CONNECT_OUTCOMES + ConnectOutcome.values().length;
    static final int ACCEPT_FAILURES = ACCEPTED + 1;
    static final int CONNECT_TIME_TOTAL = ACCEPT_FAILURES + 1;
    /** The longest connect since the previous period: reset by each period, not cumulative. */
    static final int CONNECT_TIME_MAX = CONNECT_TIME_TOTAL + 1;
    static final int BUCKETS = CONNECT_TIME_MAX + 1;
    static final int BUCKET_COUNT = io.socktrace.events.EventFields.CONNECT_TIME_BUCKET_MICROS.length + 1;
    static final int BYTES_READ = BUCKETS + BUCKET_COUNT;
    static final int BYTES_WRITTEN = BYTES_READ + 1;
    static final int RESETS = BYTES_WRITTEN + 1;
    /** Closes, by CloseInitiator ordinal. */
    static final int CLOSES = RESETS + 1;
    static final int LEAKED = CLOSES + CloseInitiator.values().length;
    static final int CONNECTIONS_NOT_RECORDED = LEAKED + 1;
    static final int EVENTS_NOT_RECORDED = CONNECTIONS_NOT_RECORDED + 1;
    static final int COUNTERS = EVENTS_NOT_RECORDED + 1;

    private static final long[] BUCKET_BOUNDS_NANOS = new long[BUCKET_COUNT - 1];

    static {
        for (int i = 0; i < BUCKET_BOUNDS_NANOS.length; i++) {
            BUCKET_BOUNDS_NANOS[i] = io.socktrace.events.EventFields.CONNECT_TIME_BUCKET_MICROS[i] * 1000;
        }
    }

    final Role role;
    final String host;
    final SharedAddresses.Address address;
    final int port;
    final AtomicLongArray counts = new AtomicLongArray(COUNTERS);
    /** One {@link RateLimiter} slot per {@link AbnormalKind}. */
    final AtomicLongArray limits = new AtomicLongArray(AbnormalKind.values().length);
    /**
     * Connections that hold this endpoint (connecting, open, or closing); {@link Long#MIN_VALUE}
     * once retired. Only an endpoint nobody holds is retired, so no count lands on a retired one.
     */
    private final AtomicLong holders = new AtomicLong();

    /**
     * Connections to this remote endpoint that this side closed first, by 5-second slot: pairs of
     * (slot number, count). Linux keeps such a socket's local port in TIME_WAIT for 60 s
     * (TCP_TIMEWAIT_LEN, not tunable), where no new connection to the same destination may take it:
     * the sum over the last 60 s is this JVM's TIME_WAIT toward it, which /proc cannot attribute
     * (TIME_WAIT rows have no inode). An estimate to a slot's width; a slot reused by a racing
     * close may lose a count.
     */
    private final AtomicLongArray closedFirst = new AtomicLongArray(2 * TIME_WAIT_SLOTS);
    static final int TIME_WAIT_SLOTS = 12;
    static final long TIME_WAIT_SLOT_NANOS = 5_000_000_000L;

    // read and written by the period's thread only (Endpoints.collect)
    long[] reported = new long[COUNTERS];
    int idlePeriods;

    Endpoint(Role role, String host, SharedAddresses.Address address, int port) {
        this.role = role;
        this.host = host;
        this.address = address;
        this.port = port;
    }

    void add(int counter, long n) {
        counts.getAndAdd(counter, n);
    }

    /** A connection to this endpoint closed, this side first, at {@code nanos} (System.nanoTime()). */
    void closedFirst(long nanos) {
        long slot = Math.floorDiv(nanos, TIME_WAIT_SLOT_NANOS);
        int i = 2 * (int) Math.floorMod(slot, (long) TIME_WAIT_SLOTS);
        long held = closedFirst.get(i);
        if (held != slot && closedFirst.compareAndSet(i, held, slot)) {
            closedFirst.set(i + 1, 0);
        }
        closedFirst.getAndIncrement(i + 1);
    }

    /** Connections closed first by this side within the last 60 s at {@code nanos}: in TIME_WAIT now. */
    long inTimeWait(long nanos) {
        long slot = Math.floorDiv(nanos, TIME_WAIT_SLOT_NANOS);
        long sum = 0;
        for (int i = 0; i < 2 * TIME_WAIT_SLOTS; i += 2) {
            long held = closedFirst.get(i);
            if (held > slot - TIME_WAIT_SLOTS && held <= slot) {
                sum += closedFirst.get(i + 1);
            }
        }
        return sum;
    }

    /** One connect attempt ended after {@code nanos}: its outcome and latency. */
    void connectEnded(ConnectOutcome outcome, long nanos) {
        counts.getAndIncrement(CONNECT_OUTCOMES + outcome.ordinal());
        counts.getAndAdd(CONNECT_TIME_TOTAL, nanos);
        counts.getAndIncrement(BUCKETS + bucket(nanos));
        long max = counts.get(CONNECT_TIME_MAX);
        while (nanos > max && !counts.compareAndSet(CONNECT_TIME_MAX, max, nanos)) {
            max = counts.get(CONNECT_TIME_MAX);
        }
    }

    static int bucket(long nanos) {
        for (int i = 0; i < BUCKET_BOUNDS_NANOS.length; i++) {
            if (nanos <= BUCKET_BOUNDS_NANOS[i]) {
                return i;
            }
        }
        return BUCKET_BOUNDS_NANOS.length;
    }

    /** The upper bound of bucket {@code i} in nanoseconds; {@code max} for the unbounded last one. */
    static long bucketBound(int i, long max) {
        return i < BUCKET_BOUNDS_NANOS.length ? Math.min(BUCKET_BOUNDS_NANOS[i], Math.max(max, 1)) : max;
    }

    /** Holds the endpoint for a connection; false when it was retired (look it up again). */
    boolean hold() {
        while (true) {
            long n = holders.get();
            if (n < 0) {
                return false;
            }
            if (holders.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    void release() {
        holders.getAndDecrement();
    }

    /** Retires the endpoint if no connection holds it; counting on it has then ended for good. */
    boolean retireIfUnheld() {
        return holders.compareAndSet(0, Long.MIN_VALUE);
    }

    boolean isRetired() {
        return holders.get() < 0;
    }
}
