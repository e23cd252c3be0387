package io.socktrace.demo;

import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.PrintStream;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.nio.channels.InterruptedByTimeoutException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Asynchronous channels, where the call that starts an operation returns at once and the
 * outcome arrives later, through a {@link Future} or on a pool thread through a
 * {@link CompletionHandler}. Nothing blocks in the socket call itself, so the time an operation
 * took (such as a read that timed out) is visible only from its start to its completion.
 */
final class AsyncScenario implements Scenario {

    private static final int MESSAGE_SIZE = 1_000;
    private static final int READ_TIMEOUT_MS = 500;
    private static final int CONNECTIONS = 2;
    /** A small pool of its own, so that the completions run on threads named after the scenario. */
    private static final int GROUP_THREADS = 2;

    @Override
    public String name() {
        return "async";
    }

    @Override
    public String description() {
        return "AsynchronousSocketChannel client/server incl. a read timeout";
    }

    @Override
    public String expectation() {
        return "Connect/Accept/Receive/Send for both flavours (Future and CompletionHandler); "
                + "client2 Receive TIMED_OUT after ~0.5 s";
    }

    @Override
    public boolean run(PrintStream out) throws Exception {
        Report report = new Report(out);
        AsynchronousChannelGroup group = AsynchronousChannelGroup.withFixedThreadPool(GROUP_THREADS,
                namedThreads("async-group-"));
        try {
            try (AsynchronousServerSocketChannel listener = AsynchronousServerSocketChannel.open(group)) {
                listener.bind(Loopback.address(0), CONNECTIONS);
                report.listen("server", listener.getLocalAddress());
                Acceptor acceptor = Acceptor.start(listener, CONNECTIONS);
                try {
                    echo(group, listener.getLocalAddress(), acceptor, report);
                    readTimeout(group, listener.getLocalAddress(), acceptor, report);
                } finally {
                    acceptor.closeAll();
                }
            }
            // Every channel is closed: the group ends its threads and terminates.
            long start = System.nanoTime();
            group.shutdown();
            if (group.awaitTermination(Loopback.GUARD_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                report.result("group", GROUP_THREADS + " threads, terminated "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms after shutdown()");
            } else {
                report.unexpected("the channel group did not terminate within " + Loopback.GUARD_TIMEOUT_MS + " ms");
            }
        } finally {
            // Does nothing once the group has terminated; otherwise closes what is still open.
            group.shutdownNow();
        }
        return report.asExpected();
    }

    /** client1 connects and reads with Futures and writes with a CompletionHandler; server1 the other way round. */
    private static void echo(AsynchronousChannelGroup group, SocketAddress address, Acceptor acceptor, Report report)
            throws Exception {
        try (AsynchronousSocketChannel client = AsynchronousSocketChannel.open(group)) {
            await(client.connect(address));
            AsynchronousSocketChannel server = acceptor.accepted(0);
            report.socket("client1", Endpoints.of(client));
            report.socket("server1", Endpoints.of(server));
            try (Background<Echoed> serverSide = Background.start("async-server", () -> echoOnce(server))) {
                ByteBuffer message = message(MESSAGE_SIZE);
                int written = await(WriteAll.start(client, message));
                ByteBuffer echo = readFully(client, MESSAGE_SIZE);
                client.close();
                Echoed echoed = serverSide.await(Loopback.GUARD_TIMEOUT_MS);

                report.result("client1", "connected (Future), wrote " + written + " bytes (CompletionHandler), read "
                        + echo.remaining() + " echoed bytes back (Future), then closed");
                if (!echo.equals(message.clear())) {
                    report.unexpected("client1 got back other bytes than it sent");
                }
                report.result("server1", "accepted (CompletionHandler), read " + echoed.read() + " bytes (Future), echoed "
                        + echoed.written() + " bytes (CompletionHandler), then read " + echoed.end().outcome()
                        + ", then closed");
                if (echoed.written() != MESSAGE_SIZE || echoed.end().failed() || echoed.end().value() != -1) {
                    report.unexpected("server1 should have echoed " + MESSAGE_SIZE + " bytes and read end of stream");
                }
            }
        }
    }

    /** client2 connects with a CompletionHandler and reads with a timeout from a server that never writes. */
    private static void readTimeout(AsynchronousChannelGroup group, SocketAddress address, Acceptor acceptor,
            Report report) throws Exception {
        try (AsynchronousSocketChannel client = AsynchronousSocketChannel.open(group)) {
            CompletableFuture<Void> connected = new CompletableFuture<>();
            client.connect(address, connected, new Completing<>());
            await(connected);
            AsynchronousSocketChannel server = acceptor.accepted(1);
            report.socket("client2", Endpoints.of(client));
            report.socket("server2", Endpoints.of(server));
            try (Background<Attempt<Integer>> serverSide = Background.start("async-server",
                    () -> awaitEndOfStream(server))) {
                TimedRead read = new TimedRead();
                client.read(ByteBuffer.allocate(MESSAGE_SIZE), READ_TIMEOUT_MS, TimeUnit.MILLISECONDS, System.nanoTime(),
                        read);
                Attempt<Integer> timedOut = read.outcome.get(Loopback.GUARD_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                // After a timeout the channel allows no further read; closing is all that is left.
                client.close();
                Attempt<Integer> serverEnd = serverSide.await(Loopback.GUARD_TIMEOUT_MS);

                report.result("client2", "connected (CompletionHandler), read with a " + READ_TIMEOUT_MS
                        + " ms timeout (CompletionHandler) " + timedOut.outcome() + ", then closed");
                if (!(timedOut.failure() instanceof InterruptedByTimeoutException)) {
                    report.unexpected("client2 read should have failed with InterruptedByTimeoutException");
                }
                report.result("server2", "wrote nothing; read " + serverEnd.outcome() + " (Future), then closed");
                if (serverEnd.failed() || serverEnd.value() != -1) {
                    report.unexpected("server2 should have read end of stream when client2 closed");
                }
            }
        }
    }

    private static Echoed echoOnce(AsynchronousSocketChannel server) throws IOException {
        try (server) {
            ByteBuffer request = readFully(server, MESSAGE_SIZE);
            int written = await(WriteAll.start(server, request));
            Attempt<Integer> end = Attempt.of(() -> await(server.read(ByteBuffer.allocate(1))));
            return new Echoed(request.limit(), written, end);
        }
    }

    private static Attempt<Integer> awaitEndOfStream(AsynchronousSocketChannel server) throws IOException {
        try (server) {
            return Attempt.of(() -> await(server.read(ByteBuffer.allocate(1))));
        }
    }

    /** Reads exactly {@code size} bytes, one Future per read. */
    private static ByteBuffer readFully(AsynchronousSocketChannel channel, int size) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(size);
        while (buffer.hasRemaining()) {
            if (await(channel.read(buffer)) == -1) {
                throw new EOFException("end of stream after " + buffer.position() + " of " + size + " bytes");
            }
        }
        return buffer.flip();
    }

    /**
     * Waits for an operation's Future, bounded by the guard timeout. An I/O failure is
     * rethrown as it is, so that it reads like the blocking call's.
     */
    private static <V> V await(Future<V> future) throws IOException {
        try {
            return future.get(Loopback.GUARD_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            // Cancelling an asynchronous channel's operation closes the channel.
            future.cancel(true);
            throw new IOException("did not complete within " + Loopback.GUARD_TIMEOUT_MS + " ms", e);
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
    }

    private static ThreadFactory namedThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, prefix + count.incrementAndGet());
            // The group is shut down at the end; should that fail, its threads must not keep the JVM alive.
            thread.setDaemon(true);
            return thread;
        };
    }

    private static ByteBuffer message(int size) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) ('a' + i % 26);
        }
        return ByteBuffer.wrap(bytes);
    }

    /**
     * Accepts the expected connections one after the other with a CompletionHandler: each
     * completion starts the next accept, the way asynchronous servers keep one accept pending.
     */
    private static final class Acceptor implements CompletionHandler<AsynchronousSocketChannel, Integer> {

        private final AsynchronousServerSocketChannel listener;
        private final List<CompletableFuture<AsynchronousSocketChannel>> accepted;

        private Acceptor(AsynchronousServerSocketChannel listener, int connections) {
            this.listener = listener;
            this.accepted = Stream.generate(CompletableFuture<AsynchronousSocketChannel>::new)
                    .limit(connections).toList();
        }

        static Acceptor start(AsynchronousServerSocketChannel listener, int connections) {
            Acceptor acceptor = new Acceptor(listener, connections);
            listener.accept(0, acceptor);
            return acceptor;
        }

        /** The server end of the connection accepted {@code index}-th, counting from 0. */
        AsynchronousSocketChannel accepted(int index) throws IOException {
            return await(accepted.get(index));
        }

        @Override
        public void completed(AsynchronousSocketChannel channel, Integer index) {
            accepted.get(index).complete(channel);
            if (index + 1 < accepted.size()) {
                try {
                    listener.accept(index + 1, this);
                } catch (RuntimeException e) {
                    accepted.get(index + 1).completeExceptionally(e);
                }
            }
        }

        @Override
        public void failed(Throwable exc, Integer index) {
            accepted.get(index).completeExceptionally(exc);
        }

        /** Closes the accepted channels, should the scenario fail before their server did. */
        void closeAll() {
            for (CompletableFuture<AsynchronousSocketChannel> channel : accepted) {
                channel.thenAccept(Acceptor::closeQuietly);
            }
        }

        private static void closeQuietly(AsynchronousSocketChannel channel) {
            try {
                channel.close();
            } catch (IOException e) {
                // Closing is all that is left to do.
            }
        }
    }

    /** Writes the whole buffer with a CompletionHandler, writing the rest again after a short write. */
    private static final class WriteAll implements CompletionHandler<Integer, ByteBuffer> {

        private final AsynchronousSocketChannel channel;
        private final CompletableFuture<Integer> written = new CompletableFuture<>();
        private int total;

        private WriteAll(AsynchronousSocketChannel channel) {
            this.channel = channel;
        }

        static CompletableFuture<Integer> start(AsynchronousSocketChannel channel, ByteBuffer buffer) {
            WriteAll write = new WriteAll(channel);
            channel.write(buffer, buffer, write);
            return write.written;
        }

        @Override
        public void completed(Integer bytes, ByteBuffer buffer) {
            total += bytes;
            if (!buffer.hasRemaining()) {
                written.complete(total);
                return;
            }
            try {
                channel.write(buffer, buffer, this);
            } catch (RuntimeException e) {
                written.completeExceptionally(e);
            }
        }

        @Override
        public void failed(Throwable exc, ByteBuffer buffer) {
            written.completeExceptionally(exc);
        }
    }

    /** Completes the CompletableFuture given as the attachment: a handler that a Future can wait for. */
    private static final class Completing<V> implements CompletionHandler<V, CompletableFuture<V>> {

        @Override
        public void completed(V result, CompletableFuture<V> future) {
            future.complete(result);
        }

        @Override
        public void failed(Throwable exc, CompletableFuture<V> future) {
            future.completeExceptionally(exc);
        }
    }

    /**
     * A read's outcome and how long it took, measured on the pool thread that learns it; the
     * attachment is the {@link System#nanoTime()} the read started at.
     */
    private static final class TimedRead implements CompletionHandler<Integer, Long> {

        final CompletableFuture<Attempt<Integer>> outcome = new CompletableFuture<>();

        @Override
        public void completed(Integer bytes, Long start) {
            outcome.complete(new Attempt<>(System.nanoTime() - start, bytes, null));
        }

        @Override
        public void failed(Throwable exc, Long start) {
            IOException failure = exc instanceof IOException io ? io : new IOException(exc);
            outcome.complete(new Attempt<>(System.nanoTime() - start, null, failure));
        }
    }

    /** What server1 saw: the request, the echo, and the read that ended the connection. */
    private record Echoed(int read, int written, Attempt<Integer> end) {
    }
}
