package io.socktrace.demo;

import java.io.EOFException;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The same failures over NIO channels, where much of the work never blocks: a selector-based
 * echo server, clients that close, half-close and reset, a non-blocking connect that completes
 * in {@code finishConnect()}, and a non-blocking sender whose writes come back short while the
 * peer does not read. Servers built on Netty, Jetty or Tomcat's NIO connector look like this,
 * and a tool that only sees blocking calls would miss most of it.
 */
final class NioScenario implements Scenario {

    private static final int BACKLOG = 16;
    private static final int[] MESSAGE_SIZES = {100, 2_000, 30_000};
    /** The message that goes out as a gathering write of two buffers. */
    private static final int GATHERED = 1;
    private static final int ABORT_SIZE = 50;

    private static final int PAYLOAD_SIZE = 8 * 1024 * 1024;
    private static final int CHUNK_SIZE = 64 * 1024;
    /**
     * Fixed and small on both ends; left alone, the kernel grows the buffers to megabytes and
     * they would take much of the payload before the writes come back short.
     */
    private static final int BUFFER_SIZE = 64 * 1024;
    private static final long STALL_MS = 1_500;
    /** Waiting much less than the stall means the buffers took the payload after all. */
    private static final long MIN_STALL_MS = STALL_MS / 2;
    private static final long WRITE_LIMIT_MS = 5_000;

    /** Far more than a run takes (about 2 s); only a scenario that went wrong gets this far. */
    private static final long WATCHDOG_MS = 2L * Loopback.GUARD_TIMEOUT_MS;

    @Override
    public String name() {
        return "nio";
    }

    @Override
    public String description() {
        return "a selector-based echo server with several clients, one of which resets";
    }

    @Override
    public String expectation() {
        return "one Connect and one Close per client; Close bytes equal to what each client wrote and read; "
                + "client3 Connect spans connect() -> finishConnect(); server3 Receive RESET and Reset CONNECTION_RESET; "
                + "client4 Send PARTIAL/WOULD_BLOCK spanning the ~1.5 s stall";
    }

    @Override
    public boolean run(PrintStream out) throws Exception {
        Report report = new Report(out);
        try (Watchdog watchdog = Watchdog.start("nio-watchdog", WATCHDOG_MS)) {
            echoWithSelector(report, watchdog);
            stalledSender(report, watchdog);
        }
        return report.asExpected();
    }

    /** Three clients of one selector thread, connected at the same time. */
    private static void echoWithSelector(Report report, Watchdog watchdog) throws Exception {
        try (SelectorEchoServer server = SelectorEchoServer.start("nio-server", BACKLOG);
             SocketChannel client1 = watchdog.guard(SocketChannel.open());
             SocketChannel client2 = watchdog.guard(SocketChannel.open());
             SocketChannel client3 = watchdog.guard(SocketChannel.open());
             Selector selector3 = Selector.open()) {
            InetSocketAddress address = server.address();
            report.listen("server", address);
            client1.connect(address);
            client2.connect(address);
            NonBlockingConnect connect3 = connectNonBlocking(client3, selector3, address);
            int port1 = printSockets("1", client1, server, report);
            int port2 = printSockets("2", client2, server, report);
            int port3 = printSockets("3", client3, server, report);

            // Message by message in turn, so that the selector serves both connections at once.
            long[] echoed = new long[2];
            for (int i = 0; i < MESSAGE_SIZES.length; i++) {
                echoed[0] += echo(client1, i, "client1", report);
                echoed[1] += echo(client2, i, "client2", report);
            }
            client1.close();
            SelectorEchoServer.Served served1 = server.served(port1);
            // Half-close: the server sees end of stream, closes, and that is our end of stream.
            client2.shutdownOutput();
            Attempt<Integer> endOfStream2 = Attempt.of(() -> client2.read(ByteBuffer.allocate(1)));
            client2.close();
            SelectorEchoServer.Served served2 = server.served(port2);
            int echoed3 = echoThenAbort(client3, selector3, report);
            SelectorEchoServer.Served served3 = server.served(port3);

            long written = Arrays.stream(MESSAGE_SIZES).sum();
            String wrote = "wrote " + MESSAGE_SIZES.length + " messages (" + sizes() + " bytes, the "
                    + MESSAGE_SIZES[GATHERED] + "-byte one as a gathering write), read ";
            report.result("client1", wrote + echoed[0] + " echoed bytes back, then closed");
            judgeEchoed("client1", echoed[0], written, report);
            judgeServed("server1", served1, written, report);
            report.result("client2", wrote + echoed[1] + " echoed bytes back, shut down output, read "
                    + endOfStream2.outcome() + ", then closed");
            judgeEchoed("client2", echoed[1], written, report);
            if (endOfStream2.failed() || endOfStream2.value() != -1) {
                report.unexpected("client2 should have read end of stream once the server closed");
            }
            judgeServed("server2", served2, written, report);
            report.result("client3", connect3 + "; wrote " + ABORT_SIZE + " bytes, read " + echoed3
                    + " echoed bytes back, then closed with SO_LINGER 0");
            report.expectFailure("server3", "echoed " + served3.bytesEchoed() + " bytes, then read", served3.end(),
                    "Connection reset");
        }
    }

    /** Prints a client's socket line and the line of its connection's server end. */
    private static int printSockets(String number, SocketChannel client, SelectorEchoServer server, Report report)
            throws Exception {
        Endpoints endpoints = Endpoints.of(client);
        report.socket("client" + number, endpoints);
        report.socket("server" + number, server.accepted(endpoints.localPort()));
        return endpoints.localPort();
    }

    /**
     * Connects without blocking: {@code connect()} only starts the handshake (on loopback it
     * may also finish it at once), and {@code finishConnect()} completes it once the selector
     * reports the channel connectable.
     */
    private static NonBlockingConnect connectNonBlocking(SocketChannel client, Selector selector,
            InetSocketAddress address) throws IOException {
        client.configureBlocking(false);
        SelectionKey key = client.register(selector, 0);
        long start = System.nanoTime();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(Loopback.CONNECT_TIMEOUT_MS);
        boolean immediate = client.connect(address);
        boolean connected = immediate;
        int finishConnectCalls = 0;
        while (!connected && await(key, SelectionKey.OP_CONNECT, deadline)) {
            finishConnectCalls++;
            connected = client.finishConnect();
        }
        if (!connected) {
            throw new IOException("client3 did not connect within " + Loopback.CONNECT_TIMEOUT_MS + " ms");
        }
        return new NonBlockingConnect(immediate, finishConnectCalls, System.nanoTime() - start);
    }

    /** Sends one message and reads its echo, blocking; returns the bytes echoed. */
    private static int echo(SocketChannel client, int index, String role, Report report) throws IOException {
        ByteBuffer message = message(MESSAGE_SIZES[index]);
        if (index == GATHERED) {
            int half = message.remaining() / 2;
            ByteBuffer[] parts = {message.slice(0, half), message.slice(half, message.remaining() - half)};
            // A blocking write takes everything; the loop only guards against a short one.
            while (parts[1].hasRemaining()) {
                client.write(parts);
            }
        } else {
            while (message.hasRemaining()) {
                client.write(message);
            }
        }
        ByteBuffer echo = ByteBuffer.allocate(message.capacity());
        while (echo.hasRemaining()) {
            if (client.read(echo) == -1) {
                throw new EOFException(role + " got end of stream after " + echo.position() + " of "
                        + echo.capacity() + " echoed bytes");
            }
        }
        if (!echo.flip().equals(message.clear())) {
            report.unexpected(role + " got back other bytes than it sent");
        }
        return echo.limit();
    }

    /**
     * Sends a little over the non-blocking channel, reads the echo, then closes with SO_LINGER
     * 0 while the server waits for more. The channel is still registered with its selector,
     * so the socket really closes (and the RST leaves) when the selector lets go of it.
     */
    private static int echoThenAbort(SocketChannel client, Selector selector, Report report) throws IOException {
        SelectionKey key = client.keyFor(selector);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Loopback.GUARD_TIMEOUT_MS);
        ByteBuffer message = message(ABORT_SIZE);
        while (message.hasRemaining()) {
            if (client.write(message) == 0 && !await(key, SelectionKey.OP_WRITE, deadline)) {
                throw new IOException("client3 could not write within " + Loopback.GUARD_TIMEOUT_MS + " ms");
            }
        }
        ByteBuffer echo = ByteBuffer.allocate(ABORT_SIZE);
        while (echo.hasRemaining()) {
            int n = client.read(echo);
            if (n == -1) {
                throw new EOFException("client3 got end of stream instead of its echo");
            }
            if (n == 0 && !await(key, SelectionKey.OP_READ, deadline)) {
                throw new IOException("client3 got no echo within " + Loopback.GUARD_TIMEOUT_MS + " ms");
            }
        }
        if (!echo.flip().equals(message.clear())) {
            report.unexpected("client3 got back other bytes than it sent");
        }
        client.setOption(StandardSocketOptions.SO_LINGER, 0);
        client.close();
        selector.close();
        return echo.limit();
    }

    /**
     * A non-blocking sender against a peer that does not read for a while: once both buffers
     * are full, each write takes part of the chunk or nothing, and the sender waits for
     * OP_WRITE. Nothing blocks, yet the data is late, which only the JVM's view can explain.
     */
    private static void stalledSender(Report report, Watchdog watchdog) throws Exception {
        CompletableFuture<Endpoints> accepted = new CompletableFuture<>();
        try (ServerSocketChannel listener = watchdog.guard(ServerSocketChannel.open())) {
            // Before bind: accepted connections inherit it, and the window scale is fixed in the handshake.
            listener.setOption(StandardSocketOptions.SO_RCVBUF, BUFFER_SIZE);
            listener.bind(Loopback.address(0), 1);
            report.listen("server4", listener.getLocalAddress());
            try (Background<Long> server = Background.start("nio-stall-server",
                         () -> stallThenDrain(listener, accepted, watchdog));
                 SocketChannel client = watchdog.guard(SocketChannel.open())) {
                client.setOption(StandardSocketOptions.SO_SNDBUF, BUFFER_SIZE);
                client.connect(listener.getLocalAddress());
                client.configureBlocking(false);
                report.socket("client4", Endpoints.of(client));
                report.socket("server4", accepted.get(Loopback.GUARD_TIMEOUT_MS, TimeUnit.MILLISECONDS));
                StalledWrites writes = writeThroughStall(client);
                client.close();
                long received = server.await(Loopback.GUARD_TIMEOUT_MS);

                report.result("client4", writes.toString());
                judge(writes, report);
                report.result("server4", "did not read for " + STALL_MS + " ms, then read " + received
                        + " bytes and end of stream");
                if (received != PAYLOAD_SIZE) {
                    report.unexpected("server4 should have read " + PAYLOAD_SIZE + " bytes");
                }
            }
        }
    }

    private static Long stallThenDrain(ServerSocketChannel listener, CompletableFuture<Endpoints> accepted,
            Watchdog watchdog) throws Exception {
        SocketChannel connection;
        try {
            connection = watchdog.guard(listener.accept());
        } catch (IOException | RuntimeException e) {
            accepted.completeExceptionally(e);
            throw e;
        }
        try (connection) {
            accepted.complete(Endpoints.of(connection));
            Thread.sleep(STALL_MS);
            ByteBuffer buffer = ByteBuffer.allocate(BUFFER_SIZE);
            long received = 0;
            // Until the client closes; the watchdog ends a read that would wait for good.
            for (int n; (n = connection.read(buffer)) != -1; buffer.clear()) {
                received += n;
            }
            return received;
        }
    }

    private static StalledWrites writeThroughStall(SocketChannel client) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK_SIZE);
        long start = System.nanoTime();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(WRITE_LIMIT_MS);
        long written = 0;
        int partial = 0;
        int empty = 0;
        long longestWait = 0;
        try (Selector selector = Selector.open()) {
            SelectionKey key = client.register(selector, 0);
            while (written < PAYLOAD_SIZE && System.nanoTime() < deadline) {
                if (!chunk.hasRemaining()) {
                    chunk.clear();
                }
                int requested = chunk.remaining();
                int n = client.write(chunk);
                written += n;
                if (n == requested) {
                    continue;
                }
                if (n == 0) {
                    empty++;
                } else {
                    partial++;
                }
                long waitStart = System.nanoTime();
                await(key, SelectionKey.OP_WRITE, deadline);
                longestWait = Math.max(longestWait, System.nanoTime() - waitStart);
            }
        }
        return new StalledWrites(written, partial, empty, TimeUnit.NANOSECONDS.toMillis(longestWait),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    /**
     * Waits until the key's channel is ready for {@code ops} or the deadline passes.
     *
     * @return whether it is ready; {@code false} once the deadline has passed
     */
    private static boolean await(SelectionKey key, int ops, long deadline) throws IOException {
        key.interestOps(ops);
        Selector selector = key.selector();
        while (true) {
            long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (remainingMs <= 0) {
                return false;
            }
            int updated = selector.select(remainingMs);
            selector.selectedKeys().clear();
            if (updated > 0 && (key.readyOps() & ops) != 0) {
                return true;
            }
        }
    }

    private static void judgeEchoed(String role, long echoed, long written, Report report) {
        if (echoed != written) {
            report.unexpected(role + " should have read back the " + written + " bytes it wrote");
        }
    }

    private static void judgeServed(String role, SelectorEchoServer.Served served, long written, Report report) {
        report.result(role, "echoed " + served.bytesEchoed() + " bytes (" + served.deferredWrites()
                + " echo writes waited for OP_WRITE), then read " + served.end().outcome() + ", then closed");
        if (served.bytesEchoed() != written) {
            report.unexpected(role + " should have echoed " + written + " bytes");
        }
        if (served.end().failed() || served.end().value() != -1) {
            report.unexpected(role + " should have read end of stream");
        }
    }

    private static void judge(StalledWrites writes, Report report) {
        if (writes.written() < PAYLOAD_SIZE) {
            report.unexpected("client4 wrote only " + writes.written() + " bytes within " + WRITE_LIMIT_MS + " ms");
        }
        if (writes.partial() + writes.empty() == 0) {
            report.unexpected("client4 should have seen short writes while server4 did not read");
        }
        if (writes.longestWaitMs() < MIN_STALL_MS) {
            report.unexpected("client4 waited at most " + writes.longestWaitMs() + " ms for OP_WRITE");
        }
    }

    /** A message of the given size whose bytes differ from one position to the next. */
    private static ByteBuffer message(int size) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) ('a' + i % 26);
        }
        return ByteBuffer.wrap(bytes);
    }

    private static String sizes() {
        return Arrays.stream(MESSAGE_SIZES).mapToObj(Integer::toString).collect(Collectors.joining(", "));
    }

    /** How client3's non-blocking connect went. */
    private record NonBlockingConnect(boolean immediate, int finishConnectCalls, long nanos) {

        @Override
        public String toString() {
            return "connect() returned " + immediate + ", connected after " + finishConnectCalls
                    + " finishConnect() " + (finishConnectCalls == 1 ? "call" : "calls") + " in "
                    + TimeUnit.NANOSECONDS.toMicros(nanos) + " us";
        }
    }

    /** How client4's writes went through the stall. */
    private record StalledWrites(long written, int partial, int empty, long longestWaitMs, long totalMs) {

        @Override
        public String toString() {
            return "wrote " + written + " bytes in " + CHUNK_SIZE / 1024 + " KiB chunks in " + totalMs + " ms; "
                    + (partial + empty) + " short writes (" + partial + " partial, " + empty
                    + " of 0 bytes); the longest wait for OP_WRITE was " + longestWaitMs + " ms";
        }
    }
}
