package io.socktrace.correlator;

import io.socktrace.correlator.concurrent.Threads;
import io.socktrace.correlator.flow.TcpFlow;
import io.socktrace.correlator.join.CorrelationBuilder;
import io.socktrace.correlator.jvm.JvmConnection;
import io.socktrace.correlator.jvm.RecordingReader;
import io.socktrace.correlator.jvm.RecordingSampling;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

/**
 * Reads the recordings on a thread of their own while the capture is parsed, and joins the flows
 * the capture yields to their connections once those are known.
 *
 * <p>Why: reading a recording is mostly JFR's consumer starting cold (~0.5 s in a fresh JVM for a
 * 5 MB recording), and parsing a capture of a million packets takes about as long; on a machine
 * with two cores the two overlap. Flows the tracker finishes before the recording is read wait
 * here; once {@link #MAX_WAITING} are waiting, the capture side waits for the recording instead,
 * so memory stays bounded whatever the relative speeds.
 *
 * <p>Once the recordings are read, the flows are joined on a thread of their own, in the order they
 * were offered (the join depends on it): joining was a sixth of the tracking thread's work, and
 * that thread is the busier of the capture's two. Flows go over in chunks, through a bounded
 * queue, so the tracking thread pays a list append per flow and memory stays bounded.
 *
 * <p>A recording that cannot be read is reported as before the capture was touched: its
 * {@link RecordingReader.RecordingException} comes out of {@link #offer} or {@link #finish},
 * wrapped in {@link Failed} for the tracker's callback, which cannot throw a checked exception.
 * {@link #close()} ends and joins the threads whatever happened.
 */
final class BackgroundRecordings implements AutoCloseable {

    /**
     * Flows kept while the recording is read; a flow is about 650 bytes, so at most ~65 MB. The
     * capture side now finishes ~60,000 flows of a churn in the first second, while a 14 MB
     * recording takes about that long to read in a fresh JVM: 20,000 (before) stopped the capture
     * side for the rest of the read, with a core idle.
     */
    static final int MAX_WAITING = 100_000;

    /** Flows per chunk handed to the joining thread. */
    private static final int CHUNK = 256;
    /** Chunks queued for the joining thread at most: the tracking thread waits beyond that. */
    private static final int CHUNKS_QUEUED = 64;
    /** Marks the end of the flows on the joining thread's queue. */
    private static final List<TcpFlow> END = List.of();

    private final int maxWaiting;
    private final FutureTask<List<JvmConnection>> reading;
    private Thread readingThread;
    private final ArrayDeque<TcpFlow> waiting = new ArrayDeque<>();
    private CorrelationBuilder joiner;
    /** Set with {@link #joiner}: the joining thread and what it takes. */
    private Thread joining;
    private final BlockingQueue<List<TcpFlow>> toJoin = new ArrayBlockingQueue<>(CHUNKS_QUEUED);
    private List<TcpFlow> chunk = new ArrayList<>(CHUNK);
    /** What the joining thread threw, if anything; read after it ended. */
    private volatile Throwable joinFailure;
    private boolean ended;
    /** Filled by the reading thread; read only after {@link #reading} is done, which orders the two. */
    private final RecordingSampling sampling = new RecordingSampling();

    /** A recording could not be read; {@link #getCause()} says which and why. */
    static final class Failed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Failed(RecordingReader.RecordingException cause) {
            super(cause.getMessage(), cause);
        }

        @Override
        public synchronized RecordingReader.RecordingException getCause() {
            return (RecordingReader.RecordingException) super.getCause();
        }
    }

    private BackgroundRecordings(Callable<List<JvmConnection>> read, int maxWaiting) {
        this.maxWaiting = maxWaiting;
        this.reading = new FutureTask<>(read);
    }

    /** Starts reading {@code recordings}, in order, on a daemon thread. */
    static BackgroundRecordings start(List<Path> recordings) {
        return start(recordings, MAX_WAITING);
    }

    /** As {@link #start(List)}, keeping at most {@code maxWaiting} flows while the recordings are read. */
    static BackgroundRecordings start(List<Path> recordings, int maxWaiting) {
        List<Path> files = List.copyOf(recordings);
        RecordingSampling[] into = new RecordingSampling[1];
        BackgroundRecordings background = start(() -> {
            List<JvmConnection> jvm = new ArrayList<>();
            for (Path file : files) {
                jvm.addAll(RecordingReader.read(file, into[0]));
            }
            return jvm;
        }, maxWaiting, into);
        return background;
    }

    /** Runs {@code read} on a daemon thread; tests use it to decide when the read ends. */
    static BackgroundRecordings start(Callable<List<JvmConnection>> read, int maxWaiting) {
        return start(read, maxWaiting, new RecordingSampling[1]);
    }

    /** As above; {@code sampling[0]} is set, before the read starts, to what gathers the recordings' sampling. */
    private static BackgroundRecordings start(Callable<List<JvmConnection>> read, int maxWaiting, RecordingSampling[] sampling) {
        BackgroundRecordings background = new BackgroundRecordings(read, maxWaiting);
        sampling[0] = background.sampling;
        Thread thread = new Thread(background.reading, "socktrace-recording-reader");
        thread.setDaemon(true);
        background.readingThread = thread;
        thread.start();
        return background;
    }

    /**
     * Joins {@code flow} to the recording's connections, or keeps it until they are known.
     *
     * @throws Failed if a recording could not be read
     */
    void offer(TcpFlow flow) {
        if (joiner == null) {
            if (!reading.isDone() && waiting.size() < maxWaiting) {
                waiting.add(flow);
                return;
            }
            joinWaiting();
        }
        chunk.add(flow);
        if (chunk.size() == CHUNK) {
            hand(chunk);
            chunk = new ArrayList<>(CHUNK);
        }
    }

    /**
     * Waits for the recordings and joins every flow still waiting; call after the capture's last
     * flow.
     */
    CorrelationBuilder finish() throws RecordingReader.RecordingException {
        try {
            if (joiner == null) {
                joinWaiting();
            }
        } catch (Failed e) {
            throw e.getCause();
        }
        if (!chunk.isEmpty()) {
            hand(chunk);
            chunk = new ArrayList<>(0);
        }
        endJoining();
        Threads.joinUninterruptibly(readingThread); // done reading already: this waits for its last steps at most
        Throwable failure = joinFailure;
        if (failure != null) {
            Threads.rethrow(failure); // a bug of the join: as if it had happened on this thread
        }
        return joiner;
    }

    /** True while the reading or the joining thread runs: for tests that check they end. */
    boolean threadsAlive() {
        return readingThread.isAlive() || (joining != null && joining.isAlive());
    }

    /** Ends the joining thread (after the flows already handed over) and waits for both threads. */
    @Override
    public void close() {
        if (joining != null) {
            endJoining();
        }
        Threads.joinUninterruptibly(readingThread);
    }

    private void hand(List<TcpFlow> flows) {
        boolean interrupted = false;
        try {
            while (true) {
                if (!joining.isAlive()) {
                    return; // it failed; finish() says why
                }
                try {
                    if (toJoin.offer(flows, 100, TimeUnit.MILLISECONDS)) {
                        return;
                    }
                } catch (InterruptedException e) {
                    interrupted = true; // the flows still go over; the interrupt is kept for the caller
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void endJoining() {
        if (!ended) {
            ended = true;
            hand(END);
        }
        Threads.joinUninterruptibly(joining);
    }

    /** The joining thread: offers the flows to the builder in the order they came, until the end mark. */
    private void join() {
        try {
            while (true) {
                List<TcpFlow> flows = toJoin.take();
                if (flows == END) {
                    return;
                }
                for (TcpFlow flow : flows) {
                    joiner.offer(flow);
                }
            }
        } catch (InterruptedException e) {
            // nobody interrupts it; end quietly should anything
        } catch (RuntimeException | Error e) {
            joinFailure = e;
        }
    }

    /**
     * The recording's error if it failed, waiting for it to end; null if it was read. Lets a
     * capture error come second to a recording error, as when the recording was read first.
     */
    RecordingReader.RecordingException failure() {
        try {
            connections();
            return null;
        } catch (Failed e) {
            return e.getCause();
        }
    }

    private void joinWaiting() {
        CorrelationBuilder builder = new CorrelationBuilder(connections());
        builder.sampling(sampling);
        joiner = builder;
        joining = new Thread(this::join, "socktrace-flow-joiner");
        joining.setDaemon(true);
        joining.start();
        if (!waiting.isEmpty()) {
            hand(new ArrayList<>(waiting)); // first, in the order they came
            waiting.clear();
        }
    }

    private List<JvmConnection> connections() {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return reading.get();
                } catch (InterruptedException e) {
                    interrupted = true; // the read finishes by itself; the interrupt is kept for the caller
                }
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RecordingReader.RecordingException) {
                throw new Failed((RecordingReader.RecordingException) cause);
            }
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw new IllegalStateException(cause);
        } catch (CancellationException e) {
            throw new IllegalStateException("reading the recording was cancelled", e);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
