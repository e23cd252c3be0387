package io.socktrace.demo;

import java.net.Socket;

/**
 * The 4-tuple of a connected socket, captured while it is open: a closed {@link Socket}
 * forgets its local address, and the 4-tuple is what joins a connection to its events and its
 * packets.
 */
record Endpoints(String localAddress, int localPort, String remoteAddress, int remotePort) {

    static Endpoints of(Socket socket) {
        return new Endpoints(socket.getLocalAddress().getHostAddress(), socket.getLocalPort(),
                socket.getInetAddress().getHostAddress(), socket.getPort());
    }

    @Override
    public String toString() {
        return localAddress + ":" + localPort + " -> " + remoteAddress + ":" + remotePort;
    }
}
