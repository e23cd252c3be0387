package io.socktrace.correlator;

import io.socktrace.correlator.flow.TcpFlow;
import io.socktrace.correlator.join.CorrelationBuilder;
import io.socktrace.correlator.jvm.JvmConnection;
import io.socktrace.correlator.jvm.RecordingReader;
import io.socktrace.correlator.jvm.RecordingSampling;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

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
 * <p>A recording that cannot be read is reported as before the capture was touched: its
 * {@link RecordingReader.RecordingException} comes out of {@link #offer} or {@link #finish},
 * wrapped in {@link Failed} for the tracker's callback, which cannot throw a checked exception.
 */
final class BackgroundRecordings {

    /** Flows kept while the recording is read; a flow of a small exchange is a few hundred bytes. */
    static final int MAX_WAITING = 20_000;

    private final int maxWaiting;
    private final FutureTask<List<JvmConnection>> reading;
    private final ArrayDeque<TcpFlow> waiting = new ArrayDeque<>();
    private CorrelationBuilder joiner;
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
        joiner.offer(flow);
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
            return joiner;
        } catch (Failed e) {
            throw e.getCause();
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
        joiner = new CorrelationBuilder(connections());
        joiner.sampling(sampling);
        while (!waiting.isEmpty()) {
            joiner.offer(waiting.poll());
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
