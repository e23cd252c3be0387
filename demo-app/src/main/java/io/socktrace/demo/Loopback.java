package io.socktrace.demo;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;

/**
 * The only addresses the demo ever uses. Every scenario binds ephemeral ports on 127.0.0.1, so
 * it needs no privileges, cannot disturb another host, and cannot collide with a fixed port.
 */
final class Loopback {

    /** IPv4 on purpose: {@code localhost} may resolve to {@code ::1}, and captures filter on one address. */
    static final String HOST = "127.0.0.1";

    /**
     * How long any blocking call may wait when the scenario does not mean it to time out: a
     * guard so that a scenario that goes wrong fails within seconds instead of hanging.
     */
    static final int GUARD_TIMEOUT_MS = 5_000;

    /** The connect timeout for connects that are expected to succeed or be refused. */
    static final int CONNECT_TIMEOUT_MS = 2_000;

    private static final InetAddress ADDRESS = parse(HOST);

    private Loopback() {
    }

    /** A listener on an ephemeral port whose {@code accept} gives up after the guard timeout. */
    static ServerSocket listen(int backlog) throws IOException {
        ServerSocket listener = new ServerSocket(0, backlog, ADDRESS);
        listener.setSoTimeout(GUARD_TIMEOUT_MS);
        return listener;
    }

    static InetSocketAddress address(int port) {
        return new InetSocketAddress(HOST, port);
    }

    static InetSocketAddress addressOf(ServerSocket listener) {
        return address(listener.getLocalPort());
    }

    /** Connects a new socket to the listener; a connect that should simply succeed. */
    static Socket connect(ServerSocket listener) throws IOException {
        Socket socket = new Socket();
        socket.connect(addressOf(listener), CONNECT_TIMEOUT_MS);
        return socket;
    }

    private static InetAddress parse(String literal) {
        try {
            // A literal address: parsed, never looked up.
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
