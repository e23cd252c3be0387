package io.socktrace.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A read deadline expiring on a healthy connection whose peer just sends nothing. Nothing
 * shows on the wire, so only the JVM's view can explain where the time went.
 */
final class ReadTimeoutScenario implements Scenario {

    private static final int READ_TIMEOUT_MS = 500;

    @Override
    public String name() {
        return "read-timeout";
    }

    @Override
    public String description() {
        return "the client reads with SO_TIMEOUT 500 ms from a server that never writes";
    }

    @Override
    public String expectation() {
        return "Receive TIMED_OUT after ~0.5 s (timeout 500 ms)";
    }

    @Override
    public boolean run(PrintStream out) throws Exception {
        Report report = new Report(out);
        try (ServerSocket listener = Loopback.listen(1);
             ServerSide<Attempt<Integer>> server = ServerSide.start("read-timeout-server", listener,
                     ReadTimeoutScenario::awaitEndOfStream);
             Socket client = Loopback.connect(listener)) {
            report.socket("client", Endpoints.of(client));
            report.socket("server", server.accepted());
            client.setSoTimeout(READ_TIMEOUT_MS);
            Attempt<Integer> read = Attempt.of(() -> client.getInputStream().read());
            client.close();
            Attempt<Integer> serverRead = server.await();

            report.expectFailure("client", "read", read, "Read timed out");
            report.result("server", "wrote nothing; read " + serverRead.outcome() + ", then closed");
            if (serverRead.failed() || serverRead.value() != -1) {
                report.unexpected("the server should have read end of stream when the client closed");
            }
        }
        return report.asExpected();
    }

    /** Waits for the client to give up and close, so that the client closes first. */
    private static Attempt<Integer> awaitEndOfStream(Socket socket) throws IOException {
        Attempt<Integer> read = Attempt.of(() -> socket.getInputStream().read());
        socket.close();
        return read;
    }
}
