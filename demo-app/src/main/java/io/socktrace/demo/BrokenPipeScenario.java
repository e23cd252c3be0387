package io.socktrace.demo;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Writing to a connection that the peer has closed. The FIN only half-closes the connection,
 * so the first write succeeds; the peer's kernel answers that data with a RST, since nobody
 * is left to read it, and a later write fails. The application learns of the peer's close
 * one write too late.
 */
final class BrokenPipeScenario implements Scenario {

    private static final byte[] REQUEST = "hello".getBytes(StandardCharsets.US_ASCII);
    private static final int MESSAGE_SIZE = 100;
    private static final int MAX_WRITES = 20;
    private static final long PAUSE_MS = 50;
    /** Time for the server's FIN to be processed before the client writes. */
    private static final long SETTLE_MS = 100;

    @Override
    public String name() {
        return "broken-pipe";
    }

    @Override
    public String description() {
        return "the server closes after the first message, the client keeps writing";
    }

    @Override
    public String expectation() {
        return "server Close LOCAL; client Send OK on the first write, then Reset BROKEN_PIPE "
                + "(or CONNECTION_RESET) on a later write";
    }

    @Override
    public boolean run(PrintStream out) throws Exception {
        Report report = new Report(out);
        try (ServerSocket listener = Loopback.listen(1);
             ServerSide<Integer> server = ServerSide.start("broken-pipe-server", listener, BrokenPipeScenario::readThenClose);
             Socket client = Loopback.connect(listener)) {
            report.socket("client", Endpoints.of(client));
            report.socket("server", server.accepted());
            client.getOutputStream().write(REQUEST);
            // The server's thread ends once it has closed.
            int requestBytes = server.await();
            Thread.sleep(SETTLE_MS);
            Writes writes = writeUntilFailure(client.getOutputStream());
            report.result("client", "wrote " + REQUEST.length + " bytes; after the server closed: " + writes);
            report.result("server", "read " + requestBytes + " bytes, then closed normally (FIN)");
            judge(writes, report);
        }
        return report.asExpected();
    }

    private static Integer readThenClose(Socket socket) throws IOException {
        int requestBytes = socket.getInputStream().readNBytes(REQUEST.length).length;
        socket.close();
        return requestBytes;
    }

    private static Writes writeUntilFailure(OutputStream out) throws InterruptedException {
        byte[] message = new byte[MESSAGE_SIZE];
        int succeeded = 0;
        while (succeeded < MAX_WRITES) {
            Attempt<Void> write = Attempt.ofVoid(() -> out.write(message));
            if (write.failed()) {
                return new Writes(succeeded, write);
            }
            succeeded++;
            // Leaves time for the peer's RST to come back between writes, as between the
            // requests of a real client.
            Thread.sleep(PAUSE_MS);
        }
        return new Writes(succeeded, null);
    }

    private static void judge(Writes writes, Report report) {
        if (writes.succeeded() == 0) {
            report.unexpected("the first write after the server's FIN should have succeeded");
        }
        if (writes.failure() == null) {
            report.unexpected("no write failed in " + MAX_WRITES + " writes");
        } else if (!writes.failure().failedWith("Broken pipe", "Connection reset by peer")) {
            report.unexpected("a write should have failed with \"Broken pipe\" or \"Connection reset by peer\"");
        }
    }

    /** How a series of writes went: how many succeeded, and the one that failed, if any. */
    private record Writes(int succeeded, Attempt<Void> failure) {

        @Override
        public String toString() {
            String ok = succeeded + (succeeded == 1 ? " write" : " writes") + " ok ("
                    + (long) succeeded * MESSAGE_SIZE + " bytes)";
            return failure == null ? ok : ok + ", then " + failure.failure();
        }
    }
}
