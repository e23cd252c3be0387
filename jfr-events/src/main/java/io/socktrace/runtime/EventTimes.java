package io.socktrace.runtime;

import io.socktrace.events.ReceiveEvent;
import io.socktrace.events.SendEvent;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import jdk.jfr.Event;

/**
 * Gives an event the start time and duration of an operation that was timed with
 * {@link System#nanoTime()}, so that a read or write needs no event object at all unless it turns
 * out to be worth recording (slow or failed): one clock read at each end and nothing allocated,
 * where {@code begin()}/{@code end()} on a fresh event per call cost about 150 ns.
 *
 * <p>JFR keeps an event's start and duration in the fields {@code startTime} and {@code duration}
 * it adds to every event class, in ticks. On Linux with the JDK's default clock (17 through 25,
 * measured) a tick is a nanosecond of the same monotonic clock as {@code System.nanoTime()}, offset
 * by a constant. That offset is measured the first time an event is due, from {@code begin()} on a
 * probe event between two {@code nanoTime()} reads, and checked to advance one tick per
 * nanosecond; if anything differs (fields missing, {@code -XX:+UseFastUnorderedTimeStamps}),
 * {@link #apply} says no and the caller falls back to {@code begin()} at the end of the operation.
 */
final class EventTimes {

    private static final VarHandle RECEIVE_START;
    private static final VarHandle RECEIVE_DURATION;
    private static final VarHandle SEND_START;
    private static final VarHandle SEND_DURATION;

    /** Ticks minus nanoTime, once measured. */
    private static volatile long offset;
    /** 0 not measured yet, 1 usable, -1 not usable. */
    private static volatile int state;

    static {
        VarHandle rs = null;
        VarHandle rd = null;
        VarHandle ss = null;
        VarHandle sd = null;
        try {
            MethodHandles.Lookup r = MethodHandles.privateLookupIn(ReceiveEvent.class, MethodHandles.lookup());
            rs = r.findVarHandle(ReceiveEvent.class, "startTime", long.class);
            rd = r.findVarHandle(ReceiveEvent.class, "duration", long.class);
            MethodHandles.Lookup s = MethodHandles.privateLookupIn(SendEvent.class, MethodHandles.lookup());
            ss = s.findVarHandle(SendEvent.class, "startTime", long.class);
            sd = s.findVarHandle(SendEvent.class, "duration", long.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            state = -1;
            AgentLog.info("JFR's event time fields not found (" + e + "): slow reads and writes are timed from their end");
        }
        RECEIVE_START = rs;
        RECEIVE_DURATION = rd;
        SEND_START = ss;
        SEND_DURATION = sd;
    }

    private EventTimes() {
    }

    /** Sets a Receive's start and duration; false if that is not possible here. */
    static boolean apply(ReceiveEvent e, long startNanos, long endNanos) {
        if (!usable(e, RECEIVE_START)) {
            return false;
        }
        RECEIVE_START.set(e, startNanos + offset);
        RECEIVE_DURATION.set(e, Math.max(1, endNanos - startNanos));
        return true;
    }

    /** Sets a Send's start and duration; false if that is not possible here. */
    static boolean apply(SendEvent e, long startNanos, long endNanos) {
        if (!usable(e, SEND_START)) {
            return false;
        }
        SEND_START.set(e, startNanos + offset);
        SEND_DURATION.set(e, Math.max(1, endNanos - startNanos));
        return true;
    }

    /** Measures the offset on first use, with an enabled event of the caller's (begin() sets a time only then). */
    private static boolean usable(Event probe, VarHandle start) {
        int s = state;
        if (s != 0) {
            return s > 0;
        }
        synchronized (EventTimes.class) {
            if (state == 0) {
                state = measure(probe, start);
            }
            return state > 0;
        }
    }

    private static int measure(Event probe, VarHandle start) {
        long best = Long.MAX_VALUE;
        long bestOffset = 0;
        long firstTicks = 0;
        long firstNanos = 0;
        long lastTicks = 0;
        long lastNanos = 0;
        for (int i = 0; i < 64; i++) {
            long before = System.nanoTime();
            probe.begin();
            long after = System.nanoTime();
            long ticks = (long) start.get(probe);
            if (ticks == 0) {
                return 0; // not enabled after all: try again at the next event
            }
            if (i == 0) {
                firstTicks = ticks;
                firstNanos = before;
            }
            lastTicks = ticks;
            lastNanos = after;
            if (after - before < best) {
                best = after - before;
                bestOffset = ticks - before - (after - before) / 2;
            }
        }
        // the same clock: the offset found by the narrowest window must hold for the first and last sample
        long drift = Math.max(Math.abs(firstTicks - firstNanos - bestOffset), Math.abs(lastTicks - lastNanos - bestOffset));
        if (best > 100_000 || drift > 200_000) {
            AgentLog.info("JFR ticks do not follow System.nanoTime (window " + best + " ns, drift " + drift
                    + " ns): slow reads and writes are timed from their end");
            return -1;
        }
        offset = bestOffset;
        return 1;
    }
}
