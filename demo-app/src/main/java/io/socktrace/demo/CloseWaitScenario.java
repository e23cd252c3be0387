package io.socktrace.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An application that forgets to close a connection after the peer closed it. The peer's FIN
 * puts this side's socket in CLOSE_WAIT, where the kernel keeps it until the application
 * closes; nothing fails, so nothing is logged, and the sockets pile up until descriptors run
 * out. The one clue the application had was the end of stream it read and ignored.
 */
final class CloseWaitScenario implements Scenario {

    private static final int CLIENTS = 3;
    private static final int REQUEST_SIZE = 10;
    /** Long enough for periodic samplers to see CLOSE_WAIT several times, and past a short closeWaitTimeout. */
    private static final long HOLD_MS = 3_000;
    private static final long SERVER_TIMEOUT_MS = HOLD_MS + 2L * Loopback.GUARD_TIMEOUT_MS;

    @Override
    public String name() {
        return "close-wait";
    }

    @Override
    public String description() {
        return "a server that never closes after clients leave";
    }

    @Override
    public String expectation() {
        return "TcpInfo shows CLOSE_WAIT on the server's connections; CloseWaitLeak after closeWaitTimeout; "
                + "Close initiator PEER with closeWaitTime ~" + HOLD_MS / 1000 + " s";
    }

    @Override
    public boolean run(PrintStream out) throws Exception {
        Report report = new Report(out);
        try (ServerSocket listener = Loopback.listen(CLIENTS);
             Background<Kept> server = Background.start("close-wait-server", () -> readAndKeep(listener))) {
            report.listen("server", listener);
            // Keyed by the client's port, which is how a server end is matched to its client.
            Map<Integer, String> roles = new TreeMap<>();
            for (int i = 1; i <= CLIENTS; i++) {
                try (Socket client = Loopback.connect(listener)) {
                    Endpoints endpoints = Endpoints.of(client);
                    report.socket("client" + i, endpoints);
                    roles.put(endpoints.localPort(), "server" + i);
                    client.getOutputStream().write(new byte[REQUEST_SIZE]);
                }
            }
            report.result("clients", "each wrote " + REQUEST_SIZE + " bytes, then closed (FIN)");
            Kept kept = server.await(SERVER_TIMEOUT_MS);

            for (Served served : kept.served()) {
                String role = roles.getOrDefault(served.endpoints().remotePort(), "server?");
                report.socket(role, served.endpoints());
                report.result(role, "read " + served.requestBytes() + " bytes, then read " + served.end().outcome());
                if (served.requestBytes() != REQUEST_SIZE || served.end().failed() || served.end().value() != -1) {
                    report.unexpected(role + " should have read " + REQUEST_SIZE + " bytes and end of stream");
                }
            }
            report.result("server", "read EOF on " + kept.served().size() + " connections, kept them open "
                    + HOLD_MS + " ms (CLOSE_WAIT)");
            if (kept.heldMillis() < HOLD_MS) {
                report.unexpected("the server kept the connections open only " + kept.heldMillis() + " ms");
            }
        }
        return report.asExpected();
    }

    /**
     * The bug: each connection is served to its end of stream, and then not closed. The
     * connections are closed after the hold only so that the scenario ends clean.
     */
    private static Kept readAndKeep(ServerSocket listener) throws IOException, InterruptedException {
        List<Socket> open = new ArrayList<>();
        try {
            List<Served> served = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                Socket socket = listener.accept();
                open.add(socket);
                socket.setSoTimeout(Loopback.GUARD_TIMEOUT_MS);
                InputStream in = socket.getInputStream();
                int requestBytes = in.readNBytes(REQUEST_SIZE).length;
                served.add(new Served(Endpoints.of(socket), requestBytes, Attempt.of(in::read)));
            }
            long start = System.nanoTime();
            Thread.sleep(HOLD_MS);
            return new Kept(served, (System.nanoTime() - start) / 1_000_000);
        } finally {
            for (Socket socket : open) {
                socket.close();
            }
        }
    }

    /** One connection as the server saw it: its 4-tuple, the request, and the end of stream. */
    private record Served(Endpoints endpoints, int requestBytes, Attempt<Integer> end) {
    }

    /** What the server did: the connections it served, and how long it kept them open after. */
    private record Kept(List<Served> served, long heldMillis) {
    }
}
