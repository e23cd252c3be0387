package io.socktrace.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The peer aborts the connection, as a crashed process or a close with SO_LINGER 0 does: its
 * kernel sends a RST instead of a FIN, so this side's read fails with "Connection reset"
 * instead of seeing end of stream.
 */
final class ResetScenario implements Scenario {

    private static final byte[] REQUEST = "hello".getBytes(StandardCharsets.US_ASCII);

    @Override
    public String name() {
        return "reset";
    }

    @Override
    public String description() {
        return "the server reads the request, then closes with SO_LINGER 0 while the client waits for a reply";
    }

    @Override
    public String expectation() {
        return "Receive RESET and a Reset CONNECTION_RESET on the client's read; server Close ABORT (SO_LINGER 0)";
    }

    @Override
    public boolean run(PrintStream out) throws Exception {
        Report report = new Report(out);
        try (ServerSocket listener = Loopback.listen(1);
             ServerSide<Integer> server = ServerSide.start("reset-server", listener, ResetScenario::readThenAbort);
             Socket client = Loopback.connect(listener)) {
            report.socket("client", Endpoints.of(client));
            report.socket("server", server.accepted());
            client.setSoTimeout(Loopback.GUARD_TIMEOUT_MS);
            client.getOutputStream().write(REQUEST);
            Attempt<Integer> read = Attempt.of(() -> client.getInputStream().read());
            int requestBytes = server.await();
            report.expectFailure("client", "wrote " + REQUEST.length + " bytes, then read", read, "Connection reset");
            report.result("server", "read " + requestBytes + " bytes, then closed with SO_LINGER 0");
        }
        return report.asExpected();
    }

    private static Integer readThenAbort(Socket socket) throws IOException {
        // Reading the request first shows that the RST comes from the linger setting alone,
        // not from unread data (that case is the abort scenario).
        int requestBytes = socket.getInputStream().readNBytes(REQUEST.length).length;
        socket.setSoLinger(true, 0);
        socket.close();
        return requestBytes;
    }
}
