package io.socktrace.correlator.capture;

import io.socktrace.correlator.concurrent.Threads;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Reads and decodes a capture on a thread of its own and hands the decoded packets to the caller
 * in batches, so that record reading and header decoding (page faults on the mapped file
 * included) run on one core while the caller rebuilds flows on the other. On a real capture the
 * two halves cost about the same, so on two free cores a whole-capture pass can take about half the
 * wall time it takes on one thread.
 *
 * <p>The caller sees exactly what {@link CaptureReader#next(PacketCursor)} would have given it,
 * in the same order: every batch holds the next packets of the capture, and a
 * {@link CaptureFormatException} (or any exception or error of the reading thread) comes out of
 * {@link #next()} only after every packet read before it was handed over, as it would have in a
 * single-threaded loop. Nothing is allocated per packet: a fixed set of batches of reusable
 * cursors circulates between the two threads in a ring, so memory stays bounded whatever the
 * relative speeds. The ring has one writer and one reader: two counters, a short spin and a park
 * when one side waits, and a wake-up only for a side that is parked. (Blocking queues, tried first,
 * took a lock and signalled the other thread on every batch both ways; on two cores that cost as
 * much as a tenth of the tracking thread's time.) {@link CaptureReader#statistics()} may be read
 * once {@link #next()} returned null.
 *
 * <p>The reading thread is a daemon and {@link #close()} ends and joins it whatever state it is in;
 * close the pipeline before the reader (try-with-resources in that order does).
 */
public final class DecodingPipeline implements AutoCloseable {
    /** Packets per batch: large enough that the hand-over (two counters, now and then a wake-up) is noise. */
    static final int DEFAULT_BATCH = 2048;
    /** Batches in circulation: enough that neither side waits for the other on a short stall. */
    static final int DEFAULT_BATCHES = 8;

    /** Packets decoded by the reading thread; the last one of a capture carries the end or the failure. */
    public static final class Batch {
        final PacketCursor[] cursors;
        int size;
        boolean last;
        Throwable failure;

        Batch(int capacity) {
            cursors = new PacketCursor[capacity];
            for (int i = 0; i < capacity; i++) {
                cursors[i] = new PacketCursor();
            }
        }

        /** Packets in this batch. */
        public int size() {
            return size;
        }

        /** Packet {@code i} of this batch ({@code < size()}); valid until the next {@link DecodingPipeline#next()}. */
        public PacketCursor packet(int i) {
            return cursors[i];
        }
    }

    private final CaptureReader reader;
    private final Batch[] ring;
    private final Thread thread;
    private final Thread consumer;
    /** Batches the reading thread has filled, in all; written by it only. */
    private volatile long produced;
    /** Batches the consumer has given back, in all; written by it only. */
    private volatile long consumed;
    private volatile boolean producerParked;
    private volatile boolean consumerParked;
    private volatile boolean closed;
    private Batch current;
    private boolean ended;
    /** The reading thread's exception, thrown once the batch of packets before it was processed. */
    private Throwable pendingFailure;

    private DecodingPipeline(CaptureReader reader, int batchSize, int batches) {
        this.reader = reader;
        this.ring = new Batch[batches];
        for (int i = 0; i < batches; i++) {
            ring[i] = new Batch(batchSize);
        }
        this.consumer = Thread.currentThread();
        this.thread = new Thread(this::read, "socktrace-capture-decoder");
        thread.setDaemon(true);
    }

    /**
     * Starts reading {@code reader} from its current packet on a daemon thread; the calling thread
     * is the one to call {@link #next()} (it is the one woken when a batch is ready).
     */
    public static DecodingPipeline start(CaptureReader reader) {
        return start(reader, DEFAULT_BATCH, DEFAULT_BATCHES);
    }

    /** As {@link #start(CaptureReader)} with a batch size and count of the caller's choice (tests use tiny ones). */
    static DecodingPipeline start(CaptureReader reader, int batchSize, int batches) {
        if (batchSize < 1 || batches < 2) {
            throw new IllegalArgumentException("batch size " + batchSize + ", batches " + batches);
        }
        DecodingPipeline pipeline = new DecodingPipeline(reader, batchSize, batches);
        pipeline.thread.start();
        return pipeline;
    }

    /**
     * The next batch of packets, never empty; null at the end of the capture. The previous batch
     * goes back to the reading thread.
     *
     * @throws CaptureFormatException where {@link CaptureReader#next} threw it, after every packet before it
     */
    public Batch next() throws CaptureFormatException {
        if (current != null) {
            current = null;
            long released = consumed + 1;
            consumed = released; // only this thread writes it
            // a parked reader is woken once half the ring is free, not for every batch: a wake-up is a
            // system call, and waking it per batch made the two threads take turns
            if (producerParked && produced - released <= ring.length / 2) {
                LockSupport.unpark(thread);
            }
        }
        if (ended) {
            Throwable failure = pendingFailure;
            pendingFailure = null;
            if (failure != null) {
                throwFailure(failure);
            }
            return null;
        }
        Batch batch = nextFull();
        if (batch.last) {
            ended = true;
            if (batch.size == 0) {
                if (batch.failure != null) {
                    throwFailure(batch.failure);
                }
                return null;
            }
            pendingFailure = batch.failure; // after the packets read before it
        }
        current = batch;
        return batch;
    }

    /** The reading thread's own exception object, as a single-threaded loop would have seen it. */
    private static void throwFailure(Throwable failure) throws CaptureFormatException {
        if (failure instanceof CaptureFormatException) {
            throw (CaptureFormatException) failure;
        }
        Threads.rethrow(failure);
    }

    /**
     * Waits for the reading thread's next batch. Should that thread ever die without handing over
     * its end (it cannot, short of a bug), this says so instead of waiting forever. An interrupt
     * does not stop the wait (the packets still come); it is kept for the caller.
     */
    private Batch nextFull() {
        long index = consumed;
        boolean interrupted = false;
        try {
            for (int spins = 0; produced <= index; spins++) {
                if (spins < SPINS) {
                    Thread.onSpinWait();
                    continue;
                }
                consumerParked = true;
                if (produced <= index) {
                    if (!thread.isAlive() && produced <= index) {
                        throw new IllegalStateException("the capture's decoding thread ended without its last batch");
                    }
                    // a set interrupt status would make park return at once: keep it aside while waiting
                    interrupted |= Thread.interrupted();
                    LockSupport.parkNanos(this, PARK_NANOS);
                }
                consumerParked = false;
            }
        } finally {
            consumerParked = false;
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        return ring[(int) (index % ring.length)];
    }

    /** Spins before a side parks: a batch usually comes within microseconds. */
    private static final int SPINS = 200;
    /** Longest park, a safety net: the other side unparks a parked one. */
    private static final long PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    /** The reading thread, for tests that check it ended. */
    Thread readingThread() {
        return thread;
    }

    /** Stops the reading thread if it still runs and waits for it to end. */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        Threads.joinUninterruptibly(thread); // it ends by itself now
    }

    /** The next free batch, or null once the consumer closed the pipeline. */
    private Batch nextFree() {
        long index = produced;
        for (int spins = 0; index - consumed >= ring.length; spins++) {
            if (closed) {
                return null;
            }
            if (spins < SPINS) {
                Thread.onSpinWait();
                continue;
            }
            // parked, it waits until half the ring is free (the consumer wakes it then)
            producerParked = true;
            while (index - consumed > ring.length / 2 && !closed) {
                LockSupport.parkNanos(this, PARK_NANOS);
            }
            producerParked = false;
        }
        return closed ? null : ring[(int) (index % ring.length)];
    }

    private void publish() {
        produced = produced + 1; // only this thread writes it
        if (consumerParked) {
            LockSupport.unpark(consumer);
        }
    }

    private void read() {
        while (true) {
            Batch batch = nextFree();
            if (batch == null) {
                return; // closed by the consumer: it wants no more packets
            }
            Throwable failure = null;
            boolean end = false;
            PacketCursor[] cursors = batch.cursors;
            int n = 0;
            try {
                while (n < cursors.length) {
                    if (!reader.next(cursors[n])) {
                        end = true;
                        break;
                    }
                    n++;
                }
            } catch (CaptureFormatException | RuntimeException | Error e) {
                // the packets before the failure still count, as in a single-threaded loop
                failure = e;
                end = true;
            }
            batch.size = n;
            batch.last = end;
            batch.failure = failure;
            publish();
            if (end) {
                return;
            }
        }
    }
}
