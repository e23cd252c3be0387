package io.socktrace.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * This side aborting connections, which the peer sees as resets: closing with unread data in
 * the receive buffer, and closing with SO_LINGER 0, both make the kernel send a RST instead of
 * a FIN. Reported from the field as "the server resets us" when the RST was in fact ours.
 */
final class AbortScenario implements Scenario {

    private static final int UNREAD_SIZE = 1_000;
    private static final int POLL_MS = 10;
    private static final long SETTLE_MS = 100;
    private static final byte[] REPLY = new byte[10];

    @Override
    public String name() {
        return "abort";
    }

    @Override
    public String description() {
        return "a client closes with " + UNREAD_SIZE + " bytes unread, then a second client closes with SO_LINGER 0";
    }

    @Override
    public String expectation() {
        return "Close ABORT on both clients (unread input, then SO_LINGER 0); "
                + "server1 Receive EOF, then Reset BROKEN_PIPE on its write; server2 Receive RESET";
    }

    @Override
    public boolean run(PrintStream out) throws Exception {
        Report report = new Report(out);
        try (ServerSocket listener = Loopback.listen(1)) {
            closeWithUnreadInput(listener, report);
            closeWithLingerZero(listener, report);
        }
        return report.asExpected();
    }

    private static void closeWithUnreadInput(ServerSocket listener, Report report) throws Exception {
        try (ServerSide<AfterAbort> server = ServerSide.start("abort-server", listener, AbortScenario::writeReadWrite);
             Socket client = Loopback.connect(listener)) {
            report.socket("client1", Endpoints.of(client));
            report.socket("server1", server.accepted());
            // Closing before the data has arrived would be an ordinary close.
            int unread = awaitInput(client.getInputStream(), UNREAD_SIZE);
            client.close();
            AfterAbort seen = server.await();

            report.result("client1", "closed with " + unread + " bytes unread");
            if (unread < UNREAD_SIZE) {
                report.unexpected("the server's " + UNREAD_SIZE + " bytes did not arrive before the close");
            }
            report.expectFailure("server1", "wrote " + UNREAD_SIZE + " bytes, read " + seen.read().outcome()
                    + ", then write", seen.write(), "Broken pipe", "Connection reset by peer");
            if (seen.read().failed() || seen.read().value() != -1) {
                report.unexpected("server1 should have read end of stream: the JDK shuts output down before closing");
            }
        }
    }

    private static void closeWithLingerZero(ServerSocket listener, Report report) throws Exception {
        try (ServerSide<Attempt<Integer>> server = ServerSide.start("abort-server", listener, AbortScenario::read);
             Socket client = Loopback.connect(listener)) {
            report.socket("client2", Endpoints.of(client));
            // Waiting for the accept makes the RST hit an accepted connection, not one still
            // in the accept queue.
            report.socket("server2", server.accepted());
            client.setSoLinger(true, 0);
            client.close();
            Attempt<Integer> serverRead = server.await();

            report.result("client2", "closed with SO_LINGER 0");
            report.expectFailure("server2", "read", serverRead, "Connection reset");
        }
    }

    /**
     * The client's close sends a FIN and then the RST (the JDK shuts the output down before it
     * closes, unless SO_LINGER is 0), so the server's read sees end of stream; the RST shows on
     * its next write.
     */
    private static AfterAbort writeReadWrite(Socket socket) throws IOException, InterruptedException {
        socket.getOutputStream().write(new byte[UNREAD_SIZE]);
        Attempt<Integer> read = Attempt.of(() -> socket.getInputStream().read());
        // Lets the RST, which follows the FIN, arrive before the write.
        Thread.sleep(SETTLE_MS);
        Attempt<Void> write = Attempt.ofVoid(() -> socket.getOutputStream().write(REPLY));
        socket.close();
        return new AfterAbort(read, write);
    }

    private static Attempt<Integer> read(Socket socket) throws IOException {
        Attempt<Integer> read = Attempt.of(() -> socket.getInputStream().read());
        socket.close();
        return read;
    }

    /** Polls {@code available()}, which looks at the receive buffer without reading it. */
    private static int awaitInput(InputStream in, int size) throws IOException, InterruptedException {
        for (long waited = 0; in.available() < size && waited < Loopback.GUARD_TIMEOUT_MS; waited += POLL_MS) {
            Thread.sleep(POLL_MS);
        }
        return in.available();
    }

    /** What server1 saw after the client's close with unread input. */
    private record AfterAbort(Attempt<Integer> read, Attempt<Void> write) {
    }
}
