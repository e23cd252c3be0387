package io.socktrace.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * A server process that has run out of file descriptors. The kernel still completes every
 * handshake, so clients connect and send; but each accept needs a descriptor and fails with
 * "Too many open files", leaving the connection queued and its client waiting, until the server
 * process exits and its kernel resets them all. From the clients this looks like a hung, then
 * crashing, server; only the server's failed accepts and its descriptor count explain it.
 *
 * <p>The server runs in a child JVM ({@link FdExhaustionServer}) under
 * {@code prlimit --nofile}, so that the demo itself keeps its descriptors.
 */
final class FdExhaustionScenario implements Scenario {

    /** Low enough to run out quickly, high enough for a JVM with an agent and a recording to start. */
    private static final int FD_LIMIT = 256;
    private static final String PRLIMIT = "prlimit";
    /** The child's recording is the parent's file name with this before {@code .jfr}. */
    private static final String RECORDING_SUFFIX = "-server";
    private static final int CLIENTS = 3;
    private static final int CONNECT_TIMEOUT_MS = 1_000;
    private static final int READ_TIMEOUT_MS = 1_500;
    private static final int REQUEST_SIZE = 10;
    /** A JVM starting under an agent, then opening a few hundred files. */
    private static final long START_TIMEOUT_MS = 20_000;
    private static final long EXIT_TIMEOUT_MS = 15_000;

    @Override
    public String name() {
        return "fd-exhaustion";
    }

    @Override
    public String description() {
        return "a server process out of file descriptors: accept fails, clients see resets";
    }

    @Override
    public String expectation() {
        return "server: Accept TOO_MANY_OPEN_FILES (in fd-exhaustion-server.jfr); NetworkStatistics open descriptors "
                + "at the limit; clients: connect OK, then no reply / reset";
    }

    @Override
    public boolean run(PrintStream out) throws Exception {
        Report report = new Report(out);
        Optional<Path> prlimit = ChildJvm.findOnPath(PRLIMIT);
        if (prlimit.isEmpty()) {
            // Not a failure: the scenario cannot lower the limit of a child on this host.
            report.result("skipped", PRLIMIT + " not found");
            return true;
        }
        List<String> command = new ArrayList<>(List.of(prlimit.get().toString(), "--nofile=" + FD_LIMIT + ":" + FD_LIMIT));
        command.addAll(ChildJvm.command(FdExhaustionServer.class, RECORDING_SUFFIX, List.of(String.valueOf(FD_LIMIT))));
        try (ChildProcess server = ChildProcess.start("fd-exhaustion-server", command, FdExhaustionServer.PREFIX)) {
            Optional<InetSocketAddress> target = awaitReady(server, report);
            if (target.isPresent()) {
                connectWhileExhausted(target.get(), server, report);
            } else {
                stop(server, report);
            }
        }
        return report.asExpected();
    }

    /** Reads the server's first two lines: its port, then that it has run out of descriptors. */
    private static Optional<InetSocketAddress> awaitReady(ChildProcess server, Report report) throws InterruptedException {
        Optional<String> listening = server.nextLine(START_TIMEOUT_MS);
        if (listening.isEmpty() || !listening.get().startsWith(FdExhaustionServer.LISTENING)) {
            report.unexpected("the server did not start: " + listening.orElse("no output within " + START_TIMEOUT_MS + " ms"));
            return Optional.empty();
        }
        InetSocketAddress target = Loopback.address(
                Integer.parseInt(listening.get().substring(FdExhaustionServer.LISTENING.length()).trim()));
        report.listen("server", target);
        Optional<String> exhausted = server.nextLine(START_TIMEOUT_MS);
        report.result("server", exhausted.orElse("no output within " + START_TIMEOUT_MS + " ms"));
        if (exhausted.isEmpty() || !exhausted.get().contains(FdExhaustionServer.TOO_MANY_OPEN_FILES)) {
            report.unexpected("the server should have run out of descriptors under a limit of " + FD_LIMIT);
            return Optional.empty();
        }
        return Optional.of(target);
    }

    private static void connectWhileExhausted(InetSocketAddress target, ChildProcess server, Report report)
            throws Exception {
        Map<String, Socket> clients = new LinkedHashMap<>();
        try {
            for (int i = 1; i <= CLIENTS; i++) {
                String role = "client" + i;
                Socket client = new Socket();
                Attempt<Void> connect = Attempt.ofVoid(() -> client.connect(target, CONNECT_TIMEOUT_MS));
                if (connect.failed()) {
                    client.close();
                    report.target(role, target);
                    report.result(role, "connect " + connect.outcome());
                    report.unexpected(role + " should have connected: the kernel completes the handshake without accept");
                    continue;
                }
                clients.put(role, client);
                report.socket(role, Endpoints.of(client));
                client.getOutputStream().write(new byte[REQUEST_SIZE]);
            }
            // Nobody answers while the server is alive: it cannot accept.
            for (Map.Entry<String, Socket> client : clients.entrySet()) {
                client.getValue().setSoTimeout(READ_TIMEOUT_MS);
                Attempt<Integer> read = read(client.getValue());
                report.expectFailure(client.getKey(), "wrote " + REQUEST_SIZE + " bytes, then read", read, "Read timed out");
            }
            stop(server, report);
            // The server's exit closed its listener, and its kernel reset the connections still queued.
            // A connection the server did manage to accept (a descriptor some other thread of that
            // JVM released for a moment) was closed normally instead: end of stream, not a reset.
            for (Map.Entry<String, Socket> client : clients.entrySet()) {
                client.getValue().setSoTimeout(Loopback.GUARD_TIMEOUT_MS);
                Attempt<Integer> read = read(client.getValue());
                if (!read.failed() && Integer.valueOf(-1).equals(read.value())) {
                    report.result(client.getKey(), "after the server exited, read " + read.outcome()
                            + " (the server had accepted this one after all, and closed it)");
                } else {
                    report.expectFailure(client.getKey(), "after the server exited, read", read, "Connection reset");
                }
            }
        } finally {
            for (Socket client : clients.values()) {
                client.close();
            }
        }
    }

    /** Tells the server to stop, prints what it reported, and waits for it to exit. */
    private static void stop(ChildProcess server, Report report) throws IOException, InterruptedException {
        server.closeInput();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(EXIT_TIMEOUT_MS);
        for (Optional<String> line; (line = server.nextLine(remainingMillis(deadline))).isPresent(); ) {
            report.result("server", line.get());
        }
        OptionalInt status = server.awaitExit(remainingMillis(deadline));
        if (status.isEmpty()) {
            report.unexpected("the server did not exit within " + EXIT_TIMEOUT_MS + " ms");
        } else {
            report.result("server", "exited with status " + status.getAsInt());
            if (status.getAsInt() != 0) {
                report.unexpected("the server's accepts should all have failed with \""
                        + FdExhaustionServer.TOO_MANY_OPEN_FILES + "\"");
            }
        }
    }

    private static long remainingMillis(long deadline) {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    }

    private static Attempt<Integer> read(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        return Attempt.of(in::read);
    }
}
