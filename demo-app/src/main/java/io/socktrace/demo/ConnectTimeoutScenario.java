package io.socktrace.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A connect that never gets an answer. Loopback drops no packets, but a listener whose accept
 * queue is full does: Linux then silently drops new SYNs, the client retransmits its SYN and
 * finally gives up, exactly as towards a host that is gone or behind a dropping firewall.
 */
final class ConnectTimeoutScenario implements Scenario {

    private static final int MAX_FILLERS = 10;
    private static final int FILLER_TIMEOUT_MS = 200;
    private static final int CONNECT_TIMEOUT_MS = 1_500;

    @Override
    public String name() {
        return "connect-timeout";
    }

    @Override
    public String description() {
        return "connect to a listener that never accepts and whose accept queue is full";
    }

    @Override
    public String expectation() {
        return "Connect TIMED_OUT after ~1.5 s (timeout 1500 ms)";
    }

    @Override
    public boolean run(PrintStream out) throws Exception {
        Report report = new Report(out);
        List<Socket> fillers = new ArrayList<>();
        // Backlog 1 and no accept: the queue is full after a couple of connections.
        try (ServerSocket listener = Loopback.listen(1)) {
            report.listen("server", listener);
            InetSocketAddress target = Loopback.addressOf(listener);
            try {
                if (!fillAcceptQueue(target, fillers, report)) {
                    report.unexpected("the accept queue still took connections after " + MAX_FILLERS + " fillers");
                }
                report.target("client", target);
                try (Socket client = new Socket()) {
                    Attempt<Void> connect = Attempt.ofVoid(() -> client.connect(target, CONNECT_TIMEOUT_MS));
                    report.expectFailure("client", "connect", connect, "Connect timed out");
                }
            } finally {
                closeAll(fillers);
            }
        }
        return report.asExpected();
    }

    /**
     * Connects until a connect times out, which shows that the queue is full.
     *
     * @return whether the queue filled up within {@link #MAX_FILLERS} connects
     */
    private static boolean fillAcceptQueue(InetSocketAddress target, List<Socket> fillers, Report report)
            throws IOException {
        for (int i = 1; i <= MAX_FILLERS; i++) {
            String role = "filler" + i;
            Socket filler = new Socket();
            Attempt<Void> connect = Attempt.ofVoid(() -> filler.connect(target, FILLER_TIMEOUT_MS));
            if (!connect.failed()) {
                fillers.add(filler);
                report.socket(role, Endpoints.of(filler));
                continue;
            }
            filler.close();
            report.target(role, target);
            report.expectFailure(role, "connect", connect, "Connect timed out");
            return true;
        }
        return false;
    }

    private static void closeAll(List<Socket> sockets) throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
    }
}
