package io.socktrace.correlator.capture;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads and decodes a capture on a thread of its own and hands the decoded packets to the caller
 * in batches, so that record reading and header decoding (page faults on the mapped file
 * included) run on one core while the caller rebuilds flows on the other. On a real capture the
 * two halves cost about the same, so a whole-capture pass takes about half the wall time it takes
 * on one thread.
 *
 * <p>The caller sees exactly what {@link CaptureReader#next(PacketCursor)} would have given it,
 * in the same order: every batch holds the next packets of the capture, and a
 * {@link CaptureFormatException} (or any exception or error of the reading thread) comes out of
 * {@link #next()} only after every packet read before it was handed over, as it would have in a
 * single-threaded loop. Nothing is allocated per packet: a fixed set of batches of reusable
 * cursors circulates between the two threads, so memory stays bounded whatever the relative
 * speeds. {@link CaptureReader#statistics()} may be read once {@link #next()} returned null.
 *
 * <p>The reading thread is a daemon and {@link #close()} ends and joins it whatever state it is in;
 * close the pipeline before the reader (try-with-resources in that order does).
 */
public final class DecodingPipeline implements AutoCloseable {
    /** Packets per batch: large enough that the hand-over (a lock and maybe a wake-up) is noise. */
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
    private final BlockingQueue<Batch> free;
    private final BlockingQueue<Batch> full;
    private final Thread thread;
    private volatile boolean closed;
    private Batch current;
    private boolean ended;

    private DecodingPipeline(CaptureReader reader, int batchSize, int batches) {
        this.reader = reader;
        this.free = new ArrayBlockingQueue<>(batches);
        this.full = new ArrayBlockingQueue<>(batches);
        for (int i = 0; i < batches; i++) {
            free.add(new Batch(batchSize));
        }
        this.thread = new Thread(this::read, "socktrace-capture-decoder");
        thread.setDaemon(true);
    }

    /** Starts reading {@code reader} from its current packet on a daemon thread. */
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
            free.add(current); // never blocks: at most as many batches as the queue holds
            current = null;
        }
        if (ended) {
            return null;
        }
        Batch batch = nextFull();
        if (batch.last) {
            ended = true;
            Throwable failure = batch.failure;
            if (failure != null) {
                // the reading thread's own exception object, as a single-threaded loop would have seen it
                if (failure instanceof CaptureFormatException) {
                    throw (CaptureFormatException) failure;
                }
                if (failure instanceof RuntimeException) {
                    throw (RuntimeException) failure;
                }
                throw (Error) failure;
            }
        }
        if (batch.size == 0) {
            free.add(batch);
            return null;
        }
        current = batch;
        return batch;
    }

    /**
     * Waits for the reading thread's next batch. Should that thread ever die without handing over
     * its end (it cannot, short of a bug in the JDK's queues), this says so instead of waiting forever.
     */
    private Batch nextFull() {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    Batch batch = full.poll(100, TimeUnit.MILLISECONDS);
                    if (batch != null) {
                        return batch;
                    }
                    if (!thread.isAlive()) {
                        batch = full.poll();
                        if (batch != null) {
                            return batch;
                        }
                        throw new IllegalStateException("the capture's decoding thread ended without its last batch");
                    }
                } catch (InterruptedException e) {
                    interrupted = true; // the packets still come; the interrupt is kept for the caller
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The reading thread, for tests that check it ended. */
    Thread readingThread() {
        return thread;
    }

    /** Stops the reading thread if it still runs and waits for it to end. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true; // the thread ends by itself now; keep the interrupt for the caller
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void read() {
        try {
            while (!closed) {
                Batch batch = free.take();
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
                if (end) {
                    if (n > 0) {
                        // the end travels in a batch of its own, after the packets before it
                        full.put(batch);
                        batch = free.take();
                        batch.size = 0;
                    }
                    batch.last = true;
                    batch.failure = failure;
                    full.put(batch);
                    return;
                }
                full.put(batch);
            }
        } catch (InterruptedException e) {
            // closed by the consumer: it wants no more packets
        }
    }
}
