package io.socktrace.demo;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Prints a scenario's lines in the one format users read and integration tests parse, and
 * remembers whether anything unexpected happened. Every line is indented by three spaces under
 * the scenario's {@code ==} header:
 *
 * <pre>
 *    listen server 127.0.0.1:41234
 *    socket client 127.0.0.1:50012 -&gt; 127.0.0.1:41234
 *    target client 127.0.0.1:41234
 *    client: read failed after 503 ms: java.net.SocketTimeoutException: Read timed out
 *    UNEXPECTED: ...
 * </pre>
 *
 * Scenarios print from one thread only (server threads hand their observations back), so the
 * order of the lines is the same on every run.
 */
final class Report {

    private final PrintStream out;
    private boolean unexpected;

    Report(PrintStream out) {
        this.out = out;
    }

    /** A listening socket, which has no remote end. */
    void listen(String role, ServerSocket listener) {
        line("listen " + role + " " + listener.getInetAddress().getHostAddress() + ":"
                + listener.getLocalPort());
    }

    /** A listening channel (blocking, selectable or asynchronous), by the address it is bound to. */
    void listen(String role, SocketAddress bound) {
        InetSocketAddress address = (InetSocketAddress) bound;
        line("listen " + role + " " + address.getAddress().getHostAddress() + ":" + address.getPort());
    }

    /** A connected socket, by its 4-tuple. */
    void socket(String role, Endpoints endpoints) {
        line("socket " + role + " " + endpoints);
    }

    /** The address a connect aimed at when no connection came of it, so there is no 4-tuple. */
    void target(String role, InetSocketAddress address) {
        line("target " + role + " " + address.getAddress().getHostAddress() + ":" + address.getPort());
    }

    /** What happened to one role, e.g. {@code client: wrote 5 bytes}. */
    void result(String role, String what) {
        line(role + ": " + what);
    }

    /**
     * Reports a call that should have failed with one of the given messages, and flags it as
     * unexpected otherwise.
     *
     * @param operation e.g. {@code "read"}, prefixed to the outcome
     * @return whether it failed as expected
     */
    boolean expectFailure(String role, String operation, Attempt<?> attempt, String... messages) {
        result(role, operation + " " + attempt.outcome());
        if (attempt.failedWith(messages)) {
            return true;
        }
        unexpected(role + " " + operation + " should have failed with "
                + Arrays.stream(messages).map(m -> '"' + m + '"').collect(Collectors.joining(" or ")));
        return false;
    }

    void unexpected(String why) {
        unexpected = true;
        line("UNEXPECTED: " + why);
    }

    /** Whether everything happened as the scenario meant it to. */
    boolean asExpected() {
        return !unexpected;
    }

    private void line(String text) {
        out.println("   " + text);
    }
}
