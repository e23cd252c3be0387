package io.socktrace.demo;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.SocketChannel;

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

    /** A connected channel, blocking or not. */
    static Endpoints of(SocketChannel channel) throws IOException {
        return between(channel.getLocalAddress(), channel.getRemoteAddress());
    }

    /** A connected asynchronous channel. */
    static Endpoints of(AsynchronousSocketChannel channel) throws IOException {
        return between(channel.getLocalAddress(), channel.getRemoteAddress());
    }

    private static Endpoints between(SocketAddress local, SocketAddress remote) {
        // Channels bound and connected to IP addresses always report InetSocketAddresses.
        InetSocketAddress l = (InetSocketAddress) local;
        InetSocketAddress r = (InetSocketAddress) remote;
        return new Endpoints(l.getAddress().getHostAddress(), l.getPort(), r.getAddress().getHostAddress(), r.getPort());
    }

    @Override
    public String toString() {
        return localAddress + ":" + localPort + " -> " + remoteAddress + ":" + remotePort;
    }
}
