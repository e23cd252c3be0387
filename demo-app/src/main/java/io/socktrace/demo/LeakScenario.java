package io.socktrace.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.ref.WeakReference;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Sockets that the application drops without closing, typically on an error path that skips
 * the close. Nothing fails: the JDK's Cleaner closes the descriptor once the garbage collector
 * finds the socket, which may take long under a large heap, so the descriptor count creeps up
 * in the meantime. Only the stack that opened such a socket tells where the close is missing.
 */
final class LeakScenario implements Scenario {

    private static final int LEAKED = 3;
    private static final int CONNECTIONS = LEAKED + 1;
    private static final int REQUEST_SIZE = 10;
    /** About 2 s of collections: time for the Cleaner, and for an agent's reference tracking, to run. */
    private static final int GC_ROUNDS = 10;
    private static final long GC_PAUSE_MS = 200;
    /** The server waits this long, in all, for the clients' ends of stream. */
    private static final long SERVER_DEADLINE_MS = 2L * Loopback.GUARD_TIMEOUT_MS;

    @Override
    public String name() {
        return "leak";
    }

    @Override
    public String description() {
        return "sockets dropped without close";
    }

    @Override
    public String expectation() {
        return "a Leak event for each of leaked1..3 (with the stack that opened them), none for control";
    }

    @Override
    public boolean run(PrintStream out) throws Exception {
        Report report = new Report(out);
        try (ServerSocket listener = Loopback.listen(CONNECTIONS);
             Background<List<ServerEnd>> server = Background.start("leak-server", () -> serve(listener))) {
            report.listen("server", listener);
            List<Dropped> dropped = new ArrayList<>();
            for (int i = 1; i <= LEAKED; i++) {
                dropped.add(connectAndDrop(listener, "leaked" + i, report));
            }
            try (Socket control = Loopback.connect(listener)) {
                report.socket("control", Endpoints.of(control));
                control.getOutputStream().write(new byte[REQUEST_SIZE]);
            }
            collectGarbage();

            long collected = dropped.stream().filter(d -> d.socket().get() == null).count();
            report.result("client", LEAKED + " sockets dropped without close and "
                    + (collected == LEAKED ? "collected" : collected + " of them collected") + "; control closed normally");
            for (Dropped d : dropped) {
                if (d.socket().get() != null) {
                    report.unexpected(d.role() + " was not collected after " + GC_ROUNDS + " System.gc() calls");
                }
            }
            List<ServerEnd> ends = server.await(SERVER_DEADLINE_MS + Loopback.GUARD_TIMEOUT_MS);
            long complete = ends.stream().filter(ServerEnd::complete).count();
            report.result("server", "read " + REQUEST_SIZE + " bytes and end of stream on " + complete + " of "
                    + CONNECTIONS + " connections (the Cleaner closed the leaked ones' descriptors), then closed them");
            if (complete != CONNECTIONS) {
                report.unexpected("the server should have read a request and end of stream on every connection: "
                        + ends);
            }
        }
        return report.asExpected();
    }

    /**
     * Opens a connection, sends a request and forgets the socket: a method of its own, so that
     * once it returns no local variable anywhere still refers to the socket.
     */
    private static Dropped connectAndDrop(ServerSocket listener, String role, Report report) throws IOException {
        Socket socket = Loopback.connect(listener);
        report.socket(role, Endpoints.of(socket));
        socket.getOutputStream().write(new byte[REQUEST_SIZE]);
        return new Dropped(role, new WeakReference<>(socket));
    }

    /** A few explicit collections with pauses between, which the Cleaner's thread needs to run. */
    private static void collectGarbage() throws InterruptedException {
        for (int i = 0; i < GC_ROUNDS; i++) {
            System.gc();
            Thread.sleep(GC_PAUSE_MS);
        }
    }

    /**
     * Accepts every connection, then reads each one's request and end of stream, and closes
     * them all: a correct server, so that any leak in the recording is the client's.
     */
    private static List<ServerEnd> serve(ServerSocket listener) throws IOException {
        List<Socket> accepted = new ArrayList<>();
        try {
            for (int i = 0; i < CONNECTIONS; i++) {
                accepted.add(listener.accept());
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SERVER_DEADLINE_MS);
            List<ServerEnd> ends = new ArrayList<>();
            for (Socket socket : accepted) {
                long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                // Each read waits only for what is left of the deadline: bounded in all.
                socket.setSoTimeout((int) Math.max(1, remainingMs));
                InputStream in = socket.getInputStream();
                Attempt<Integer> request = Attempt.of(() -> in.readNBytes(REQUEST_SIZE).length);
                ends.add(new ServerEnd(request, request.failed() ? request : Attempt.of(in::read)));
            }
            return ends;
        } finally {
            for (Socket socket : accepted) {
                socket.close();
            }
        }
    }

    /** How one connection ended for the server: its request, then (if that came) the read after it. */
    private record ServerEnd(Attempt<Integer> request, Attempt<Integer> end) {

        boolean complete() {
            return !request.failed() && request.value() == REQUEST_SIZE && !end.failed() && end.value() == -1;
        }

        @Override
        public String toString() {
            return "request " + request.outcome() + ", then read " + end.outcome();
        }
    }

    /** A socket the scenario no longer refers to, except weakly, to tell whether it was collected. */
    private record Dropped(String role, WeakReference<Socket> socket) {
    }
}
