package io.socktrace.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A server that is alive but has stopped calling accept, as a single-threaded server does while
 * its one thread is busy with a client. The kernel completes the handshake of each new
 * connection by itself and queues it for an accept that never comes: connects succeed and
 * requests are "sent", yet nobody answers; once the queue is full, new SYNs are dropped and
 * connects time out. The process looks healthy; only the listener's accept queue tells why.
 */
final class NotAcceptingScenario implements Scenario {

    private static final int BACKLOG = 4;
    private static final int QUEUED_CLIENTS = 10;
    /** Short: a dropped SYN is only retried after 1 s, so a queued connect answers well within it. */
    private static final int QUEUED_CONNECT_TIMEOUT_MS = 300;
    private static final int REQUEST_SIZE = 100;
    /** Long enough for periodic samplers to see the full queue several times. */
    private static final int HOLD_MS = 2_000;
    /**
     * How long the server's one thread may wait on client1: the whole scenario, which takes
     * some seconds; client1 closes at its end, so this guard only matters if something hangs.
     */
    private static final int BUSY_TIMEOUT_MS = 3 * Loopback.GUARD_TIMEOUT_MS;
    private static final byte[] HELLO = "hello".getBytes(StandardCharsets.US_ASCII);

    @Override
    public String name() {
        return "not-accepting";
    }

    @Override
    public String description() {
        return "a server that stops calling accept: its queue fills, later connects time out";
    }

    @Override
    public String expectation() {
        return "ListenQueue at the backlog (" + BACKLOG + " asked, " + (BACKLOG + 1) + " queued); "
                + "later Connects TIMED_OUT; queued clients' writes sit unacknowledged by the app; "
                + "queued1's read blocks until its timeout (Receive TIMED_OUT after " + HOLD_MS / 1000 + " s)";
    }

    @Override
    public boolean run(PrintStream out) throws Exception {
        Report report = new Report(out);
        try (ServerSocket listener = Loopback.listen(BACKLOG);
             ServerSide<Attempt<Integer>> server = ServerSide.start("not-accepting-server", listener,
                     NotAcceptingScenario::serveOneClientForever);
             Socket client1 = Loopback.connect(listener)) {
            report.listen("server", listener);
            report.socket("client1", Endpoints.of(client1));
            // Once client1 is accepted, the server's only thread is busy with it: from now on
            // nothing calls accept, so every later connection stays in the queue.
            report.socket("server1", server.accepted());
            client1.setSoTimeout(Loopback.GUARD_TIMEOUT_MS);
            client1.getOutputStream().write(HELLO);
            int echoed = client1.getInputStream().readNBytes(HELLO.length).length;
            report.result("client1", "wrote " + HELLO.length + " bytes, read " + echoed
                    + " back, and stays connected: the server's one thread waits on it");

            List<Socket> queued = new ArrayList<>();
            try {
                int timedOut = connectQueuedClients(Loopback.addressOf(listener), queued, report);
                report.result("queued", queued.size() + " connected and each wrote " + REQUEST_SIZE
                        + " bytes, which sit in the accept queue unread; " + timedOut + " timed out");
                if (queued.isEmpty()) {
                    report.unexpected("no connect succeeded although the accept queue was empty");
                }
                if (timedOut == 0) {
                    report.unexpected("the accept queue still took connections after " + QUEUED_CLIENTS + " clients");
                }
                hold(queued, report);
            } finally {
                for (Socket socket : queued) {
                    socket.close();
                }
            }
            client1.close();
            Attempt<Integer> wait = server.await();
            report.result("server1", "echoed " + HELLO.length + " bytes, then waited on client1: read "
                    + wait.outcome() + "; accept was never called again");
            if (wait.failed() || wait.value() != -1) {
                report.unexpected("server1 should have read end of stream when client1 closed");
            }
        }
        return report.asExpected();
    }

    /**
     * Connects every queued client with a short timeout; the ones that connect write a request
     * that nobody will read.
     *
     * @return how many connects timed out
     */
    private static int connectQueuedClients(InetSocketAddress target, List<Socket> queued, Report report)
            throws IOException {
        int timedOut = 0;
        for (int i = 1; i <= QUEUED_CLIENTS; i++) {
            String role = "queued" + i;
            Socket socket = new Socket();
            Attempt<Void> connect = Attempt.ofVoid(() -> socket.connect(target, QUEUED_CONNECT_TIMEOUT_MS));
            if (connect.failed()) {
                socket.close();
                report.target(role, target);
                report.expectFailure(role, "connect", connect, "Connect timed out");
                timedOut++;
                continue;
            }
            queued.add(socket);
            report.socket(role, Endpoints.of(socket));
            // The peer's kernel acknowledges these bytes; the application never sees them.
            socket.getOutputStream().write(new byte[REQUEST_SIZE]);
        }
        return timedOut;
    }

    /**
     * Holds the full queue while the first queued client waits for a reply, as every queued
     * client would: its read, not the connect, is where a real client hangs.
     */
    private static void hold(List<Socket> queued, Report report) throws IOException, InterruptedException {
        if (queued.isEmpty()) {
            Thread.sleep(HOLD_MS);
            return;
        }
        Socket waiting = queued.get(0);
        waiting.setSoTimeout(HOLD_MS);
        InputStream in = waiting.getInputStream();
        Attempt<Integer> read = Attempt.of(in::read);
        report.expectFailure("queued1", "waited for a reply: read", read, "Read timed out");
    }

    /**
     * Answers client1's greeting, then waits for client1's next request, which never comes
     * before client1 closes. The accept for the next client is never reached.
     */
    private static Attempt<Integer> serveOneClientForever(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        byte[] hello = in.readNBytes(HELLO.length);
        socket.getOutputStream().write(hello);
        socket.setSoTimeout(BUSY_TIMEOUT_MS);
        Attempt<Integer> wait = Attempt.of(in::read);
        socket.close();
        return wait;
    }
}
