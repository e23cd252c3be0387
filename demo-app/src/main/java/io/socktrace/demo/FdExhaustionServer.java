package io.socktrace.demo;

import java.io.Closeable;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

/**
 * The server of the {@code fd-exhaustion} scenario, a hidden entry point that
 * {@link FdExhaustionScenario} runs in a child JVM under a low descriptor limit: running out of
 * file descriptors hits a whole process, so it gets one of its own. It is not a scenario and
 * not listed; {@code java -cp socktrace-demo.jar io.socktrace.demo.FdExhaustionServer <max files>}.
 *
 * <p>It talks to its parent in lines on stdout that start with {@link #PREFIX} (the JVM may print
 * there too): {@code listening <port>}; then how many files it opened before the descriptors ran
 * out, which means it is ready; then, once its stdin closes, how its accepts went. Exit status 0
 * when every accept failed with "Too many open files" (and at least one did), 1 otherwise.
 */
public final class FdExhaustionServer {

    /** Starts each line meant for the parent. */
    static final String PREFIX = "fd-exhaustion-server: ";
    static final String LISTENING = "listening ";
    static final String TOO_MANY_OPEN_FILES = "Too many open files";

    /**
     * An accept with nothing queued gives up after this. Short, because it waits at the limit,
     * where nothing else in the process can open a file; the pause between attempts, with a
     * descriptor free, is where observers look.
     */
    private static final int ACCEPT_TIMEOUT_MS = 20;
    /** Keeps the accept attempts, and the events they cause, to a few per second. */
    private static final long RETRY_PAUSE_MS = 200;
    /** In case the parent never closes stdin: the server ends by itself regardless. */
    private static final long MAX_SERVE_MS = 20_000;
    private static final long MAX_RUN_MS = MAX_SERVE_MS + 2L * Loopback.GUARD_TIMEOUT_MS;
    private static final int BACKLOG = 50;
    private static final String FILE = "/dev/null";

    private final PrintStream out;
    private final CountDownLatch stop = new CountDownLatch(1);

    private FdExhaustionServer(PrintStream out) {
        this.out = out;
    }

    /** @param args the most files to open, a bound in case the limit was not lowered */
    public static void main(String[] args) throws Exception {
        int maxFiles = Integer.parseInt(args[0]);
        FdExhaustionServer server = new FdExhaustionServer(System.out);
        server.watchInput();
        // On a thread named after the scenario, as in the parent, so that a recording says whose
        // events these are; "main" would not.
        FutureTask<Boolean> task = new FutureTask<>(() -> server.run(maxFiles));
        Thread thread = new Thread(task, "fd-exhaustion-server");
        thread.setDaemon(true);
        thread.start();
        boolean asIntended = task.get(MAX_RUN_MS, TimeUnit.MILLISECONDS);
        System.exit(asIntended ? 0 : 1);
    }

    private boolean run(int maxFiles) throws IOException, InterruptedException {
        List<Closeable> files = new ArrayList<>();
        ServerSocket listener = new ServerSocket(0, BACKLOG, InetAddress.getByName(Loopback.HOST));
        // Made before the descriptors run out, like everything used after: loading a class from a
        // directory (rather than from an open jar) opens a file, and would fail at the limit.
        Accepts accepts = new Accepts();
        try {
            listener.setSoTimeout(ACCEPT_TIMEOUT_MS);
            report(LISTENING + listener.getLocalPort());
            IOException exhausted = openUntilExhausted(files, maxFiles);
            if (exhausted == null) {
                report("opened " + files.size() + " files and never ran out of descriptors");
                return false;
            }
            String opened = "opened " + files.size() + " files until " + exhausted;
            releaseOne(files);
            report(opened);
            acceptUntilStopped(listener, accepts, files, maxFiles);
            report(accepts.toString());
            return accepts.asIntended();
        } finally {
            // The files first: the first socket close of a JVM needs descriptors of its own (JDK 17
            // initialises FileDispatcherImpl, which opens a socket pair), and fails at the limit.
            // And before the JVM exits, which may need descriptors to write a recording.
            closeAll(files);
            listener.close();
        }
    }

    /** A line for the parent, at once: the parent waits for it. */
    private void report(String line) {
        out.println(PREFIX + line);
        out.flush();
    }

    /**
     * Opens files until the process has no descriptor left.
     *
     * @return the failure that said so, or null if {@code maxFiles} opened fine
     */
    private static IOException openUntilExhausted(List<Closeable> files, int maxFiles) {
        while (files.size() < maxFiles) {
            try {
                files.add(new FileInputStream(FILE));
            } catch (IOException e) {
                if (e.getMessage() != null && e.getMessage().contains(TOO_MANY_OPEN_FILES)) {
                    return e;
                }
                throw new IllegalStateException("cannot open " + FILE, e);
            }
        }
        return null;
    }

    /**
     * Accepts, at the limit, until the parent says stop: each accept should fail. Plain
     * try/catch rather than {@link Attempt}, which might not be loaded yet.
     */
    private void acceptUntilStopped(ServerSocket listener, Accepts accepts, List<Closeable> files, int maxFiles)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MAX_SERVE_MS);
        while (stop.getCount() > 0 && System.nanoTime() < deadline) {
            openUntilExhausted(files, maxFiles);
            try {
                // Only if a descriptor was free after all (another thread of this JVM closed one
                // between the refill and the accept). Kept open until the end, first in line so the
                // release below never picks it: its client then sees what the others see, a server
                // that never answers, instead of an end of stream.
                Socket accepted = listener.accept();
                files.add(0, accepted);
                accepts.accepted++;
            } catch (SocketTimeoutException e) {
                accepts.timedOut++;
            } catch (IOException e) {
                accepts.failed(e);
            }
            releaseOne(files);
            // A failed accept leaves the connection queued and the next one would fail at once.
            stop.await(RETRY_PAUSE_MS, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Waits on a daemon thread for stdin to end, the parent's signal to stop; a parent that
     * dies closes it too. Reading stdin needs no new descriptor, so this works at the limit.
     */
    private void watchInput() {
        Thread thread = new Thread(() -> {
            try {
                while (System.in.read() != -1) {
                    // Anything written is ignored; only the end counts.
                }
            } catch (IOException e) {
                // Stdin is gone either way.
            }
            stop.countDown();
        }, "fd-exhaustion-server-stdin");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Leaves one descriptor free until the next accept takes it back: an observer in this
     * process (an agent's samplers, which need one to read {@code /proc}) would otherwise never
     * see the process at its limit, only fail to look.
     */
    private static void releaseOne(List<Closeable> files) throws IOException {
        if (!files.isEmpty()) {
            files.remove(files.size() - 1).close();
        }
    }

    private static void closeAll(List<Closeable> files) throws IOException {
        for (Closeable file : files) {
            file.close();
        }
    }

    /** How the accepts at the limit went; its {@code toString} is the report line. */
    private static final class Accepts {
        int tooManyOpenFiles;
        int timedOut;
        int accepted;
        int otherFailures;
        IOException first;
        IOException firstOther;

        void failed(IOException failure) {
            boolean tooMany = failure.getMessage() != null && failure.getMessage().contains(TOO_MANY_OPEN_FILES);
            if (tooMany) {
                tooManyOpenFiles++;
                first = first == null ? failure : first;
            } else {
                otherFailures++;
                firstOther = firstOther == null ? failure : firstOther;
            }
        }

        boolean asIntended() {
            // an accept may succeed now and then: another thread of this JVM (JFR, an agent's
            // sampler) can release a descriptor between the refill and the accept
            return tooManyOpenFiles > 0 && otherFailures == 0;
        }

        @Override
        public String toString() {
            return "accept failed " + tooManyOpenFiles + " times with \"" + TOO_MANY_OPEN_FILES + "\""
                    + (first == null ? "" : " (" + first + ")") + ", timed out " + timedOut + " times, accepted "
                    + accepted + (otherFailures == 0 ? "" : ", failed otherwise " + otherFailures + " times ("
                    + firstOther + ")");
        }
    }
}
