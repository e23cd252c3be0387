package io.socktrace.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A thread-per-connection server on virtual threads, the style JDK 21 made cheap again. A
 * virtual thread that blocks in a socket call parks and gives its carrier back, so the same
 * blocking calls now run on threads that JFR shows as virtual: the agent must report the
 * virtual thread and its stack, not the carrier that happened to run it.
 */
final class VirtualThreadsScenario implements Scenario {

    private static final int CLIENTS = 20;
    private static final int MESSAGE_SIZE = 256;
    /** For all threads together; a run takes some tens of milliseconds. */
    private static final long JOIN_TIMEOUT_MS = 2L * Loopback.GUARD_TIMEOUT_MS;

    @Override
    public String name() {
        return "virtual-threads";
    }

    @Override
    public String description() {
        return "a thread-per-connection server on virtual threads";
    }

    @Override
    public String expectation() {
        return "events carry the virtual thread (JFR shows it as virtual) and its stack";
    }

    @Override
    public boolean run(PrintStream out) throws Exception {
        Report report = new Report(out);
        Optional<VirtualThreads> virtualThreads = VirtualThreads.find();
        if (virtualThreads.isEmpty()) {
            // Not a failure: the scenario has nothing to show on this JDK.
            report.result("skipped", "virtual threads need JDK " + VirtualThreads.FIRST_JDK
                    + " or newer (this is " + System.getProperty("java.version") + ")");
            return true;
        }
        new Run(virtualThreads.get(), report).run();
        return report.asExpected();
    }

    /** One run's threads and what they observed, which the scenario's own thread prints. */
    private static final class Run {

        private final VirtualThreads virtualThreads;
        private final Report report;
        private final Map<Integer, ClientSeen> clients = new ConcurrentHashMap<>();
        /** Keyed by the client's port, which is how a server end is matched to its client. */
        private final Map<Integer, ServerSeen> servers = new ConcurrentHashMap<>();
        private final Map<String, Exception> failures = new ConcurrentHashMap<>();
        /** Written by the acceptor while the scenario's thread may already be joining. */
        private final List<Thread> handlers = new CopyOnWriteArrayList<>();

        Run(VirtualThreads virtualThreads, Report report) {
            this.virtualThreads = virtualThreads;
            this.report = report;
        }

        void run() throws IOException {
            // A backlog for every client, so that none waits for the acceptor to catch up.
            try (ServerSocket listener = Loopback.listen(CLIENTS)) {
                report.listen("server", listener);
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(JOIN_TIMEOUT_MS);
                Thread acceptor = virtualThreads.start("virtual-threads-acceptor", () -> acceptLoop(listener));
                List<Thread> clientThreads = new ArrayList<>();
                for (int i = 1; i <= CLIENTS; i++) {
                    int number = i;
                    clientThreads.add(virtualThreads.start("virtual-threads-client" + i,
                            () -> client(number, listener)));
                }
                clientThreads.forEach(thread -> join(thread, deadline));
                join(acceptor, deadline);
                // The acceptor has ended (or given up), so the list no longer grows.
                handlers.forEach(thread -> join(thread, deadline));
            }
            print();
        }

        private void acceptLoop(ServerSocket listener) {
            int accepted = 0;
            try {
                for (; accepted < CLIENTS; accepted++) {
                    Socket socket = listener.accept();
                    Thread handler = virtualThreads.start("virtual-threads-handler" + (accepted + 1),
                            () -> serve(socket));
                    handlers.add(handler);
                }
            } catch (IOException | RuntimeException e) {
                failures.put("acceptor after " + accepted + " connections", e);
            }
        }

        /** Echoes one message, then waits for the client to close first. */
        private void serve(Socket accepted) {
            try (Socket socket = accepted) {
                socket.setSoTimeout(Loopback.GUARD_TIMEOUT_MS);
                Endpoints endpoints = Endpoints.of(socket);
                InputStream in = socket.getInputStream();
                byte[] request = in.readNBytes(MESSAGE_SIZE);
                socket.getOutputStream().write(request);
                Attempt<Integer> end = Attempt.of(in::read);
                servers.put(endpoints.remotePort(), new ServerSeen(endpoints, request.length, end, thread()));
            } catch (IOException | RuntimeException e) {
                failures.put(Thread.currentThread().getName(), e);
            }
        }

        private void client(int number, ServerSocket listener) {
            try (Socket socket = Loopback.connect(listener)) {
                socket.setSoTimeout(Loopback.GUARD_TIMEOUT_MS);
                Endpoints endpoints = Endpoints.of(socket);
                byte[] message = message(number);
                socket.getOutputStream().write(message);
                byte[] echo = socket.getInputStream().readNBytes(MESSAGE_SIZE);
                clients.put(number, new ClientSeen(endpoints, Arrays.equals(echo, message), thread()));
            } catch (IOException | RuntimeException e) {
                failures.put("client" + number, e);
            }
        }

        private void print() {
            ClientSeen client1 = clients.get(1);
            ServerSeen server1 = client1 == null ? null : servers.get(client1.endpoints().localPort());
            if (client1 != null) {
                report.socket("client1", client1.endpoints());
            }
            if (server1 != null) {
                report.socket("server1", server1.endpoints());
            }
            if (client1 != null) {
                report.result("client1", "wrote " + MESSAGE_SIZE + " bytes, read them back, then closed; on "
                        + client1.thread());
            }
            if (server1 != null) {
                report.result("server1", "read " + server1.read() + " bytes, echoed them, then read "
                        + server1.end().outcome() + ", then closed; on " + server1.thread());
            }

            int echoed = 0;
            for (Map.Entry<Integer, ClientSeen> entry : new TreeMap<>(clients).entrySet()) {
                ClientSeen client = entry.getValue();
                ServerSeen server = servers.get(client.endpoints().localPort());
                String role = "client" + entry.getKey();
                if (!client.echoed()) {
                    report.unexpected(role + " got back other bytes than it sent");
                } else if (server == null || server.end().failed() || server.end().value() != -1) {
                    report.unexpected("the server end of " + role + " did not read end of stream");
                } else if (!client.thread().virtual() || !server.thread().virtual()) {
                    report.unexpected(role + " or its server end did not run on a virtual thread");
                } else {
                    echoed++;
                }
            }
            new TreeMap<>(failures).forEach((who, e) -> report.unexpected(who + " failed: " + e));
            report.result("summary", echoed + " connections echoed on virtual threads");
            if (echoed != CLIENTS) {
                report.unexpected("expected " + CLIENTS + " connections echoed");
            }
        }

        private void join(Thread thread, long deadline) {
            long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            try {
                if (remainingMs > 0) {
                    thread.join(remainingMs);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                // Its sockets time out on their own; the scenario reports instead of waiting.
                failures.put(thread.getName(), new IllegalStateException("still running after "
                        + JOIN_TIMEOUT_MS + " ms"));
            }
        }

        private ThreadSeen thread() {
            Thread current = Thread.currentThread();
            return new ThreadSeen(current.getName(), virtualThreads.isVirtual(current));
        }
    }

    /** Different bytes for each client, so that a mixed-up echo shows. */
    private static byte[] message(int number) {
        byte[] bytes = new byte[MESSAGE_SIZE];
        for (int i = 0; i < MESSAGE_SIZE; i++) {
            bytes[i] = (byte) (number + i);
        }
        return bytes;
    }

    /** The thread a socket call ran on, as JFR will name it. */
    private record ThreadSeen(String name, boolean virtual) {

        @Override
        public String toString() {
            return (virtual ? "virtual" : "platform") + " thread " + name;
        }
    }

    private record ClientSeen(Endpoints endpoints, boolean echoed, ThreadSeen thread) {
    }

    private record ServerSeen(Endpoints endpoints, int read, Attempt<Integer> end, ThreadSeen thread) {
    }
}
