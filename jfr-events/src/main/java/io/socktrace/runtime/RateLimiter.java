package io.socktrace.runtime;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * At most N permits per second, in fixed one-second windows, without a lock: one compare-and-set
 * on a long that holds the window's number and the permits it gave. JFR's own {@code @Throttle}
 * (JDK 25) spreads a rate the same way per event type; this one also works on JDK 17 and per
 * endpoint. A slot is one long in an {@link AtomicLongArray}, so an endpoint keeps a limiter per
 * kind of event in one array.
 */
final class RateLimiter {

    private static final long BASE = System.nanoTime();
    private static final int COUNT_BITS = 24;
    private static final long COUNT_MASK = (1L << COUNT_BITS) - 1;
    private static final long WINDOW_MASK = (1L << (64 - COUNT_BITS - 1)) - 1;
    /** The largest rate a slot can count to within one window. */
    static final long MAX_RATE = COUNT_MASK;

    private RateLimiter() {
    }

    /** Whether {@link #tryAcquire} would give a permit now, without taking it. */
    static boolean hasPermit(AtomicLongArray slots, int index, long perSecond, long nowNanos) {
        if (perSecond <= 0) {
            return true;
        }
        long window = Math.floorDiv(nowNanos - BASE, 1_000_000_000L) & WINDOW_MASK;
        long state = slots.get(index);
        return state >>> COUNT_BITS != window || (state & COUNT_MASK) < Math.min(perSecond, MAX_RATE);
    }

    /**
     * Takes a permit from {@code slots[index]} at {@code perSecond} ({@code <= 0}: unlimited);
     * false when this second's permits are gone.
     */
    static boolean tryAcquire(AtomicLongArray slots, int index, long perSecond, long nowNanos) {
        if (perSecond <= 0) {
            return true;
        }
        // floorDiv: a time read just before this class was initialised is a window earlier, not the same one
        long window = Math.floorDiv(nowNanos - BASE, 1_000_000_000L) & WINDOW_MASK;
        long limit = Math.min(perSecond, MAX_RATE);
        while (true) {
            long state = slots.get(index);
            long next;
            if (state >>> COUNT_BITS != window) {
                next = window << COUNT_BITS | 1;
            } else if ((state & COUNT_MASK) >= limit) {
                return false;
            } else {
                next = state + 1;
            }
            if (slots.compareAndSet(index, state, next)) {
                return true;
            }
        }
    }
}
