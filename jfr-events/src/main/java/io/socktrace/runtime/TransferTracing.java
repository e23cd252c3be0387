package io.socktrace.runtime;

import io.socktrace.events.ReceiveEvent;
import io.socktrace.events.SendEvent;

/**
 * What moves over a connection: reads and writes, the bytes they count, a non-blocking writer's
 * stall (short writes until one is accepted in full), and the Receive and Send events, made only
 * for a call worth recording. Called by the API tracers (see {@link Tracing}).
 */
final class TransferTracing {

    /**
     * Ask whether Receive and Send are enabled without making an event: isEnabled() reads only
     * class state. A holder, loaded once JFR is up (see {@link TracerConfig#jfrInitialized}).
     */
    private static final class Probes {
        static final ReceiveEvent RECEIVE = new ReceiveEvent();
        static final SendEvent SEND = new SendEvent();
    }

    private TransferTracing() {
    }

    private static final java.util.concurrent.atomic.AtomicBoolean LISTENING = new java.util.concurrent.atomic.AtomicBoolean();

    /** Initialises the probes, and follows recordings for {@link TransferDescriptions}; see {@link Tracing#prepare}. */
    static void prepareProbes() {
        Probes.RECEIVE.isEnabled();
        if (!LISTENING.getAndSet(true)) {
            TransferDescriptions.listen();
        }
    }

    /** A read's advice ended, its bytes counted (see {@link Connection#readsBegun}). */
    static void readEnded(Object socket) {
        Connection c = Connections.peek(socket);
        if (c != null) {
            c.readEnded();
        }
    }

    /** A write's advice ended, its bytes counted. */
    static void writeEnded(Object socket) {
        Connection c = Connections.peek(socket);
        if (c != null) {
            c.writeEnded();
        }
    }

    /** The connection's fields of a Receive or Send: the id always, the 4-tuple as {@link TransferDescriptions} says. */
    private static void describe(io.socktrace.events.ConnectionEvent e, Connection c, long now, Throwable thrown) {
        if (thrown != null || TransferDescriptions.due(c.id, now)) {
            Tracing.fill(e, c);
        } else {
            e.connectionId = c.id;
        }
    }

    /**
     * What a {@code ...Start} method returns for a call that a recording wants but that is not
     * timed: a non-blocking call (see {@link #UNTIMED_FROM_THRESHOLD_NANOS}). The clock is never this value (see
     * {@link #now}).
     */
    static final long UNTIMED = Long.MIN_VALUE;

    /**
     * Whether a non-blocking call goes untimed: it never waits for the peer, so with a threshold
     * of a millisecond or more only a failure can make it an event, and the two clock reads
     * (~25-60 ns each here, the largest part of what a call costs with the default settings) are
     * saved. Below a millisecond (0: every call) it is timed like any other.
     */
    private static final long UNTIMED_FROM_THRESHOLD_NANOS = 1_000_000L;

    /** System.nanoTime(), never 0 (not recorded) nor {@link #UNTIMED}. */
    private static long now() {
        long now = System.nanoTime();
        return now == 0 || now == UNTIMED ? 1 : now;
    }

    /** The bytes left in {@code buffers[offset .. offset+length)} (null buffers, and indexes past the end, count nothing). */
    static long remaining(java.nio.ByteBuffer[] buffers, int offset, int length) {
        long sum = 0;
        if (buffers != null) {
            for (int i = offset, end = Math.min(buffers.length, offset + length); i < end; i++) {
                if (buffers[i] != null) {
                    sum += buffers[i].remaining();
                }
            }
        }
        return sum;
    }

    /**
     * A read begins: its start time, or 0 when no recording wants Receive events. Nothing is
     * allocated; the event is made at the end, only for a read worth recording (see {@link EventTimes}).
     */
    static long receiveStart() {
        if (!TracerConfig.jfrInitialized() || !Probes.RECEIVE.isEnabled()) {
            return 0;
        }
        return now();
    }

    /** A read begins on a channel that may be non-blocking; see {@link #UNTIMED}. */
    static long receiveStart(boolean nonBlocking) {
        if (!TracerConfig.jfrInitialized() || !Probes.RECEIVE.isEnabled()) {
            return 0;
        }
        return nonBlocking && TracerConfig.receiveThresholdNanos >= UNTIMED_FROM_THRESHOLD_NANOS ? UNTIMED : now();
    }

    /**
     * A read that began at {@code startNanos} ({@link #receiveStart}; 0: not recorded) ended with
     * {@code n} bytes (-1: end of stream; 0: nothing, as a non-blocking read in a selector loop
     * returns all the time, which is never an event) or with {@code thrown}. The common case (bytes
     * read, no event) reads the clock at most once and stays small, so the JIT inlines it into the
     * woven JDK method; the rest is in {@link #receivedRarely}.
     */
    static ReceiveEvent received(Object socket, long startNanos, long n, long timeoutMillis, Throwable thrown) {
        Connection c = Tracing.adopted(socket);
        if (c.ignored) {
            return null;
        }
        if (n > 0 && thrown == null) {
            c.addBytesRead(n);
            if (startNanos == 0 || startNanos == UNTIMED) {
                return null;
            }
            long now = System.nanoTime();
            return now - startNanos < TracerConfig.receiveThresholdNanos ? null : receiveEvent(c, startNanos, now, n, timeoutMillis, null);
        }
        if (n == 0 && thrown == null) {
            return null;
        }
        return receivedRarely(c, startNanos, n, timeoutMillis, thrown);
    }

    /** End of stream or a failure. */
    private static ReceiveEvent receivedRarely(Connection c, long startNanos, long n, long timeoutMillis, Throwable thrown) {
        long now = now();
        if (thrown == null) {
            if (c.endOfStreamNanos == 0) {
                c.endOfStreamNanos = now;
            }
        } else {
            Tracing.noteReset(c, thrown, Operation.READ);
        }
        if (startNanos == 0 || (thrown == null && (startNanos == UNTIMED || now - startNanos < TracerConfig.receiveThresholdNanos))) {
            return null;
        }
        return receiveEvent(c, startNanos == UNTIMED ? now : startNanos, now, n, timeoutMillis, thrown);
    }

    private static ReceiveEvent receiveEvent(Connection c, long startNanos, long now, long n, long timeoutMillis, Throwable thrown) {
        ReceiveEvent e = new ReceiveEvent();
        if (!EventTimes.apply(e, startNanos, now)) {
            e.begin();
        }
        boolean handled = thrown != null && InsideJdk.handling();
        // a failure the JDK kept to itself is part of a recorded connection's story, not abnormal
        if (e.shouldCommit() && (handled ? c.recorded || c.sampling == Connection.SAMPLED : Sampling.allowAbnormal(c, AbnormalKind.RECEIVE))) {
            e.handledByJdk = handled;
            describe(e, c, now, thrown);
            e.bytesRead = Math.max(n, 0);
            e.endOfStream = thrown == null && n < 0;
            e.timeout = timeoutMillis;
            e.outcome = (thrown != null ? ErrorClassifier.receive(thrown) : n < 0 ? ReceiveOutcome.EOF : ReceiveOutcome.OK).name();
            if (thrown != null) {
                e.exceptionClass = thrown.getClass().getName();
                e.exceptionMessage = thrown.getMessage();
            }
            return e;
        }
        return null;
    }

    /**
     * A write begins: its start time, or 0 when no recording wants Send events. The bytes the
     * connection had written so far are noted (an int field, writes are serialised by the JDK) so
     * that a write that fails half way can say what it moved.
     */
    static long sendStart(Object socket) {
        if (!TracerConfig.jfrInitialized() || !Probes.SEND.isEnabled()) {
            return 0;
        }
        Connection c = Connections.of(socket);
        c.bytesWrittenAtWriteStart = (int) c.bytesWritten;
        return now();
    }

    /**
     * A write begins on a channel, which counts what each write returned (so nothing is noted at
     * the start, unlike {@link #sendStart(Object)}); a non-blocking one is not timed, see {@link #UNTIMED}.
     */
    static long sendStart(boolean nonBlocking) {
        if (!TracerConfig.jfrInitialized() || !Probes.SEND.isEnabled()) {
            return 0;
        }
        return nonBlocking && TracerConfig.sendThresholdNanos >= UNTIMED_FROM_THRESHOLD_NANOS ? UNTIMED : now();
    }

    /**
     * A write of {@code requested} bytes ended. {@code n} is what it wrote, or -1 when the bytes
     * were counted as they went ({@code NioSocketImpl}, whose write loops until done or failed).
     * A non-blocking write that wrote less than asked starts or continues a stall; the stall is
     * one Send, from the first short write to the write that is accepted in full.
     */
    static SendEvent sent(Object socket, long startNanos, long requested, long n, boolean blocking, long timeoutMillis, Throwable thrown) {
        Connection c = Tracing.adopted(socket);
        if (c.ignored || (requested == 0 && thrown == null)) {
            return null; // an empty write moves nothing and ends no stall
        }
        if (n > 0) {
            c.addBytesWritten(n);
        }
        if (thrown == null && (blocking || (n >= requested && c.stall == null))) {
            // written in full (or a blocking write, which never stalls): the common case, kept small
            if (startNanos == 0 || startNanos == UNTIMED) {
                return null;
            }
            long now = System.nanoTime();
            return now - startNanos < TracerConfig.sendThresholdNanos ? null : sendEvent(c, startNanos, now, requested, n, timeoutMillis, null);
        }
        return sentRarely(c, startNanos, requested, n, blocking, timeoutMillis, thrown);
    }

    /** A failure, or a non-blocking write that was short or ends a stall. */
    private static SendEvent sentRarely(Connection c, long startNanos, long requested, long n, boolean blocking, long timeoutMillis,
                                        Throwable thrown) {
        if (thrown != null) {
            Tracing.noteReset(c, thrown, Operation.WRITE);
        }
        if (!blocking && thrown == null) {
            if (n < requested) {
                c.rare().shortWrites++;
                Connection.SendStall stall = c.stall;
                if (stall == null) {
                    stall = new Connection.SendStall();
                    stall.recorded = startNanos != 0;
                    stall.startNanos = startNanos != 0 && startNanos != UNTIMED ? startNanos : now();
                    stall.requested = requested;
                    stall.written = n;
                    stall.shortWrites = 1;
                    stall.firstWriteEmpty = n == 0;
                    c.stall = stall;
                } else {
                    stall.written += n;
                    stall.shortWrites++;
                }
                return null;
            }
            if (c.stall != null) {
                c.stall.written += n;
                return endStall(c, null);
            }
        }
        if (thrown != null && c.stall != null) {
            return endStall(c, thrown);
        }
        long now = now();
        if (startNanos == 0 || (thrown == null && (startNanos == UNTIMED || now - startNanos < TracerConfig.sendThresholdNanos))) {
            return null;
        }
        return sendEvent(c, startNanos == UNTIMED ? now : startNanos, now, requested, n, timeoutMillis, thrown);
    }

    private static SendEvent sendEvent(Connection c, long startNanos, long now, long requested, long n, long timeoutMillis,
                                       Throwable thrown) {
        SendEvent e = new SendEvent();
        if (!EventTimes.apply(e, startNanos, now)) {
            e.begin();
        }
        boolean handled = thrown != null && InsideJdk.handling();
        // a failure the JDK kept to itself is part of a recorded connection's story, not abnormal
        if (e.shouldCommit() && (handled ? c.recorded || c.sampling == Connection.SAMPLED : Sampling.allowAbnormal(c, AbnormalKind.SEND))) {
            e.handledByJdk = handled;
            describe(e, c, now, thrown);
            e.bytesRequested = requested;
            // what a failed stream write moved: the low 32 bits of the total then and now suffice for one call
            e.bytesWritten = n >= 0 ? n : thrown == null ? requested
                    : Math.max(0, Math.min(requested, (int) c.bytesWritten - c.bytesWrittenAtWriteStart));
            e.timeout = timeoutMillis;
            e.outcome = (thrown == null ? SendOutcome.OK : ErrorClassifier.send(thrown)).name();
            if (thrown != null) {
                e.exceptionClass = thrown.getClass().getName();
                e.exceptionMessage = thrown.getMessage();
            }
            return e;
        }
        return null;
    }

    /** A send stall ended (a full write, an error, or the close): its Send to commit, or null. */
    static SendEvent endStall(Connection c, Throwable thrown) {
        Connection.SendStall stall = c.stall;
        c.stall = null;
        long now = System.nanoTime();
        if (!stall.recorded || (thrown == null && now - stall.startNanos < TracerConfig.sendThresholdNanos)) {
            return null;
        }
        SendEvent e = new SendEvent();
        if (!EventTimes.apply(e, stall.startNanos, now)) {
            e.begin();
        }
        boolean handled = thrown != null && InsideJdk.handling();
        // a failure the JDK kept to itself is part of a recorded connection's story, not abnormal
        if (e.shouldCommit() && (handled ? c.recorded || c.sampling == Connection.SAMPLED : Sampling.allowAbnormal(c, AbnormalKind.SEND))) {
            e.handledByJdk = handled;
            describe(e, c, now, thrown);
            e.bytesRequested = stall.requested;
            e.bytesWritten = stall.written;
            e.shortWrites = stall.shortWrites;
            e.outcome = (thrown != null ? ErrorClassifier.send(thrown)
                    : stall.firstWriteEmpty ? SendOutcome.WOULD_BLOCK : SendOutcome.PARTIAL).name();
            if (thrown != null) {
                e.exceptionClass = thrown.getClass().getName();
                e.exceptionMessage = thrown.getMessage();
            }
            return e;
        }
        return null;
    }
}
