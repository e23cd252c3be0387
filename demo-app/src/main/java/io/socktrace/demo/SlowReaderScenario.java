package io.socktrace.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A peer that does not read. Once its receive buffer and this side's send buffer are full, TCP
 * flow control (a zero window) holds the write until the peer reads again: the write is slow
 * while the network is idle, which is easy to mistake for a network problem.
 */
final class SlowReaderScenario implements Scenario {

    private static final int PAYLOAD_SIZE = 8 * 1024 * 1024;
    private static final long STALL_MS = 2_000;
    /**
     * Fixed and small; left alone, the kernel grows the send buffer to megabytes and would
     * absorb much of the payload without blocking.
     */
    private static final int SEND_BUFFER_SIZE = 64 * 1024;
    /** Blocking much less than the stall means the buffers took the payload after all. */
    private static final long MIN_BLOCKED_MS = STALL_MS / 2;

    @Override
    public String name() {
        return "slow-reader";
    }

    @Override
    public String description() {
        return "the client writes 8 MiB in one call while the server does not read for 2 s";
    }

    @Override
    public String expectation() {
        return "Send blocked ~2 s with all 8 MiB written";
    }

    @Override
    public boolean run(PrintStream out) throws Exception {
        Report report = new Report(out);
        try (ServerSocket listener = Loopback.listen(1);
             ServerSide<Long> server = ServerSide.start("slow-reader-server", listener, SlowReaderScenario::stallThenDrain);
             Socket client = new Socket()) {
            client.setSendBufferSize(SEND_BUFFER_SIZE);
            client.connect(Loopback.addressOf(listener), Loopback.CONNECT_TIMEOUT_MS);
            report.socket("client", Endpoints.of(client));
            report.socket("server", server.accepted());
            byte[] payload = new byte[PAYLOAD_SIZE];
            Attempt<Void> write = Attempt.ofVoid(() -> client.getOutputStream().write(payload));
            client.close();
            long received = server.await();

            if (write.failed()) {
                report.result("client", "write " + write.outcome());
                report.unexpected("the write should have completed once the server read");
            } else {
                report.result("client", "wrote " + PAYLOAD_SIZE + " bytes, write blocked " + write.millis() + " ms");
                if (write.millis() < MIN_BLOCKED_MS) {
                    report.unexpected("the write blocked only " + write.millis() + " ms");
                }
            }
            report.result("server", "did not read for " + STALL_MS + " ms, then read " + received
                    + " bytes and end of stream");
            if (received != PAYLOAD_SIZE) {
                report.unexpected("the server should have read " + PAYLOAD_SIZE + " bytes");
            }
        }
        return report.asExpected();
    }

    private static Long stallThenDrain(Socket socket) throws IOException, InterruptedException {
        Thread.sleep(STALL_MS);
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[64 * 1024];
        long received = 0;
        // Until the client closes; each read is bounded by the guard timeout.
        for (int n; (n = in.read(buffer)) != -1; ) {
            received += n;
        }
        socket.close();
        return received;
    }
}
