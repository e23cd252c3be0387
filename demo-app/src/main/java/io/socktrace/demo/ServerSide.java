package io.socktrace.demo;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The server end of one connection: accepts it on its own named thread ({@code reset-server},
 * …) and then behaves as the scenario needs. A thread of its own because in these failures
 * both ends block at the same time, and so that a recording attributes each event to the side
 * that caused it.
 *
 * <p>The behaviour returns what the server observed instead of printing it; the scenario
 * prints it, so that all lines come from one thread in a fixed order.
 *
 * @param <T> what the server observed
 */
final class ServerSide<T> implements AutoCloseable {

    /** What the server does with the connection it accepted; it closes the socket itself. */
    @FunctionalInterface
    interface Behavior<T> {
        T serve(Socket accepted) throws Exception;
    }

    /** Long enough for any behaviour that does not hang: each of its blocking calls is guarded. */
    private static final long FINISH_TIMEOUT_MS = 2L * Loopback.GUARD_TIMEOUT_MS;

    private final String threadName;
    private final CompletableFuture<Endpoints> accepted = new CompletableFuture<>();
    private final CompletableFuture<Socket> socket = new CompletableFuture<>();
    private final FutureTask<T> task;

    private ServerSide(String threadName, ServerSocket listener, Behavior<T> behavior) {
        this.threadName = threadName;
        this.task = new FutureTask<>(() -> acceptAndServe(listener, behavior));
    }

    /** Starts a thread that accepts one connection on the listener and serves it. */
    static <T> ServerSide<T> start(String threadName, ServerSocket listener, Behavior<T> behavior) {
        ServerSide<T> server = new ServerSide<>(threadName, listener, behavior);
        Thread thread = new Thread(server.task, threadName);
        // If the guards fail and the thread hangs anyway, it must not keep the JVM alive.
        thread.setDaemon(true);
        thread.start();
        return server;
    }

    private T acceptAndServe(ServerSocket listener, Behavior<T> behavior) throws Exception {
        Socket connection;
        try {
            connection = listener.accept();
        } catch (IOException | RuntimeException e) {
            accepted.completeExceptionally(e);
            throw e;
        }
        // The safety net only: each behaviour closes the socket itself, at the moment that
        // matters to its scenario, and a second close does nothing.
        try (connection) {
            socket.complete(connection);
            connection.setSoTimeout(Loopback.GUARD_TIMEOUT_MS);
            accepted.complete(Endpoints.of(connection));
            return behavior.serve(connection);
        }
    }

    /** Waits until the connection is accepted and returns its 4-tuple as the server sees it. */
    Endpoints accepted() throws Exception {
        return get(accepted, Loopback.GUARD_TIMEOUT_MS, "accept a connection");
    }

    /** Waits until the server is done (it has closed its socket) and returns what it observed. */
    T await() throws Exception {
        return get(task, FINISH_TIMEOUT_MS, "finish");
    }

    /**
     * Ends a server that is still running because the scenario failed half way, so that it
     * does not outlive its scenario; does nothing after {@link #await()}.
     */
    @Override
    public void close() {
        if (task.isDone()) {
            return;
        }
        task.cancel(true);
        socket.thenAccept(ServerSide::closeQuietly);
    }

    private <R> R get(Future<R> future, long timeoutMs, String what) throws Exception {
        try {
            return future.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(threadName + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(threadName + " did not " + what + " within " + timeoutMs + " ms", e);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // Already failing; the scenario reports the original problem.
        }
    }
}
