package io.socktrace.demo;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An echo server in the shape of most NIO servers: one thread, one {@link Selector}, a
 * non-blocking listener and non-blocking connections. Its reads and writes never block, so a
 * recording shows them only when they fail or move nothing; accept and close are what frame
 * each connection.
 *
 * <p>It exists to show that the agent follows connections that no thread ever waits on. What
 * it saw of each connection is handed back to the scenario, keyed by the client's port, so
 * that the scenario prints everything from its own thread.
 */
final class SelectorEchoServer implements AutoCloseable {

    /**
     * What the server saw of one connection, from accept to its close.
     *
     * @param bytesEchoed    bytes written back to the client
     * @param deferredWrites echo writes that could not take everything and waited for OP_WRITE
     * @param end            the read (or write) that ended the connection: end of stream or a failure
     */
    record Served(long bytesEchoed, int deferredWrites, Attempt<Integer> end) {
    }

    /** The per-connection state; the buffer holds what was read and not yet echoed. */
    private static final class Connection {
        final int clientPort;
        final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_SIZE);
        long bytesEchoed;
        int deferredWrites;

        Connection(int clientPort) {
            this.clientPort = clientPort;
        }
    }

    /** Smaller than the largest message, so that one message takes several reads. */
    private static final int BUFFER_SIZE = 8 * 1024;
    /** How often the loop looks at the stop flag, should a wakeup be lost. */
    private static final long SELECT_MS = 100;
    /** The loop ends by itself after this, even if nobody stops it. */
    private static final long RUN_LIMIT_MS = 4L * Loopback.GUARD_TIMEOUT_MS;

    private final Selector selector;
    private final ServerSocketChannel listener;
    private final Map<Integer, CompletableFuture<Endpoints>> accepted = new ConcurrentHashMap<>();
    private final Map<Integer, CompletableFuture<Served>> served = new ConcurrentHashMap<>();
    private final Background<Void> loop;
    private volatile boolean stopped;

    private SelectorEchoServer(String threadName, int backlog) throws IOException {
        selector = Selector.open();
        listener = ServerSocketChannel.open();
        try {
            listener.bind(Loopback.address(0), backlog);
            listener.configureBlocking(false);
            listener.register(selector, SelectionKey.OP_ACCEPT);
        } catch (IOException e) {
            listener.close();
            selector.close();
            throw e;
        }
        loop = Background.start(threadName, this::run);
    }

    /** Binds a listener on an ephemeral loopback port and starts the selector thread. */
    static SelectorEchoServer start(String threadName, int backlog) throws IOException {
        return new SelectorEchoServer(threadName, backlog);
    }

    InetSocketAddress address() throws IOException {
        return (InetSocketAddress) listener.getLocalAddress();
    }

    /** The server's end of the connection from this client port, once accepted. */
    Endpoints accepted(int clientPort) throws Exception {
        return get(accepted, clientPort, "accept the connection from port ");
    }

    /** What the server saw of the connection from this client port, once it has closed it. */
    Served served(int clientPort) throws Exception {
        return get(served, clientPort, "close the connection from port ");
    }

    /**
     * Stops the loop and waits for it; the loop closes whatever is still open.
     *
     * @throws IllegalStateException if the loop failed or did not stop in time
     */
    @Override
    public void close() {
        stopped = true;
        selector.wakeup();
        try {
            loop.await(Loopback.GUARD_TIMEOUT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            loop.close();
        }
    }

    private Void run() throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RUN_LIMIT_MS);
        try {
            while (!stopped && System.nanoTime() < deadline) {
                selector.select(SELECT_MS);
                for (Iterator<SelectionKey> keys = selector.selectedKeys().iterator(); keys.hasNext(); ) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    handle(key);
                }
            }
        } finally {
            closeAll();
        }
        return null;
    }

    private void handle(SelectionKey key) throws IOException {
        if (!key.isValid()) {
            return;
        }
        if (key.isAcceptable()) {
            accept();
        } else if (key.isReadable()) {
            read(key);
        } else if (key.isWritable()) {
            write(key);
        }
    }

    private void accept() throws IOException {
        SocketChannel channel = listener.accept();
        if (channel == null) {
            // Another wakeup took it; nothing is waiting.
            return;
        }
        channel.configureBlocking(false);
        Endpoints endpoints = Endpoints.of(channel);
        Connection connection = new Connection(endpoints.remotePort());
        channel.register(selector, SelectionKey.OP_READ, connection);
        future(accepted, connection.clientPort).complete(endpoints);
    }

    private void read(SelectionKey key) throws IOException {
        SocketChannel channel = (SocketChannel) key.channel();
        Connection connection = (Connection) key.attachment();
        Attempt<Integer> read = Attempt.of(() -> channel.read(connection.buffer));
        if (read.failed() || read.value() == -1) {
            // End of stream: the client is done, so the server closes too (the peer closed
            // first). A failed read, such as a reset, ends the connection as well.
            finish(key, read);
            return;
        }
        connection.buffer.flip();
        write(key);
    }

    /**
     * Echoes what the buffer holds. What the client cannot take yet stays in the buffer, and
     * the connection stops reading until OP_WRITE says there is room: the echo's back
     * pressure reaches the client instead of piling up in the server.
     */
    private void write(SelectionKey key) throws IOException {
        SocketChannel channel = (SocketChannel) key.channel();
        Connection connection = (Connection) key.attachment();
        Attempt<Integer> write = Attempt.of(() -> channel.write(connection.buffer));
        if (write.failed()) {
            finish(key, write);
            return;
        }
        connection.bytesEchoed += write.value();
        if (connection.buffer.hasRemaining()) {
            connection.deferredWrites++;
            key.interestOps(SelectionKey.OP_WRITE);
        } else {
            connection.buffer.clear();
            key.interestOps(SelectionKey.OP_READ);
        }
    }

    private void finish(SelectionKey key, Attempt<Integer> last) throws IOException {
        Connection connection = (Connection) key.attachment();
        key.cancel();
        key.channel().close();
        future(served, connection.clientPort).complete(
                new Served(connection.bytesEchoed, connection.deferredWrites, last));
    }

    private void closeAll() throws IOException {
        try {
            for (SelectionKey key : selector.keys()) {
                key.channel().close();
            }
        } finally {
            selector.close();
            // No-ops for what was reported already; the rest fail fast instead of timing out.
            IllegalStateException stoppedEarly = new IllegalStateException("the selector loop has stopped");
            accepted.values().forEach(f -> f.completeExceptionally(stoppedEarly));
            served.values().forEach(f -> f.completeExceptionally(stoppedEarly));
        }
    }

    private static <T> CompletableFuture<T> future(Map<Integer, CompletableFuture<T>> futures, int clientPort) {
        return futures.computeIfAbsent(clientPort, port -> new CompletableFuture<>());
    }

    private static <T> T get(Map<Integer, CompletableFuture<T>> futures, int clientPort, String what)
            throws Exception {
        try {
            return future(futures, clientPort).get(Loopback.GUARD_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the selector server failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the selector server did not " + what + clientPort + " within "
                    + Loopback.GUARD_TIMEOUT_MS + " ms", e);
        }
    }
}
