package io.socktrace.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A running child process that a scenario talks to by lines: it reads what the child prints with
 * a timeout, tells it to stop by closing its input, and never waits for it without a bound. A
 * child that hangs is destroyed, so that it cannot outlive its scenario.
 *
 * <p>The conversation is the child's stdout lines that start with an agreed prefix; the JVM may
 * print there too (JFR's start-up message, {@code -Xlog} output). Those lines and the child's
 * stderr (JVM warnings, an agent's messages) are passed on to this JVM's {@code System.err},
 * line by line, so that a test runner that watches the streams sees ordinary Java output.
 */
final class ChildProcess implements AutoCloseable {

    /** Marks the end of the child's stdout in the queue of lines; compared by identity, so no line can match it. */
    private static final String END = new String("end of stream");

    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private ChildProcess(Process process) {
        this.process = process;
    }

    /**
     * Starts the command; the reader threads are named after {@code name}.
     *
     * @param prefix what the child's own lines on stdout start with
     */
    static ChildProcess start(String name, List<String> command, String prefix) throws IOException {
        ChildProcess child = new ChildProcess(new ProcessBuilder(command).start());
        child.pump(name + "-stdout", child.process.getInputStream(), line -> {
            if (line.startsWith(prefix)) {
                child.lines.add(line.substring(prefix.length()));
            } else {
                System.err.println(line);
            }
        }, true);
        child.pump(name + "-stderr", child.process.getErrorStream(), System.err::println, false);
        return child;
    }

    /**
     * The child's next line of stdout, without its prefix; empty if none came within the timeout
     * or stdout ended.
     */
    Optional<String> nextLine(long timeoutMs) throws InterruptedException {
        String line = lines.poll(timeoutMs, TimeUnit.MILLISECONDS);
        if (line == END) {
            // Leave the marker for the next call: stdout stays ended.
            lines.add(END);
            return Optional.empty();
        }
        return Optional.ofNullable(line);
    }

    /** Closes the child's stdin: the child's signal to finish. */
    void closeInput() throws IOException {
        process.getOutputStream().close();
    }

    /** The child's exit status, or empty if it has not exited within the timeout. */
    OptionalInt awaitExit(long timeoutMs) throws InterruptedException {
        return process.waitFor(timeoutMs, TimeUnit.MILLISECONDS) ? OptionalInt.of(process.exitValue()) : OptionalInt.empty();
    }

    /** Destroys a child that is still running because the scenario failed half way. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor(Loopback.GUARD_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        }
    }

    /** Copies one of the child's streams, line by line, on a daemon thread. */
    private void pump(String threadName, InputStream stream, Consumer<String> sink, boolean markEnd) {
        Thread thread = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null; ) {
                    sink.accept(line);
                }
            } catch (IOException e) {
                // The child died or was destroyed; whoever waits for a line times out or sees the end.
            } finally {
                if (markEnd) {
                    lines.add(END);
                }
            }
        }, threadName);
        // Ends with the child's stream; must not keep the JVM alive if the child lingers.
        thread.setDaemon(true);
        thread.start();
    }
}
