package io.socktrace.agent.it.programs;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;

/**
 * Addresses the agent must record as they are: a listener bound to every address, a client that
 * named its IPv6 peer with a scope ({@code ::1%lo}) and one that did not. Prints
 * {@code listener <role> <address>:<port>} and {@code socket <role> <local> -> <remote>}, each as
 * the JDK reports it.
 */
public final class Ipv6Endpoints {

    private Ipv6Endpoints() {
    }

    public static void main(String[] args) throws Exception {
        try (ServerSocket wildcard = new ServerSocket(0);
             ServerSocketChannel channel = ServerSocketChannel.open().bind(null)) {
            System.out.println("   listener socket " + wildcard.getInetAddress().getHostAddress() + ":" + wildcard.getLocalPort());
            InetSocketAddress bound = (InetSocketAddress) channel.getLocalAddress();
            System.out.println("   listener channel " + bound.getAddress().getHostAddress() + ":" + bound.getPort());
            connect("scoped", InetAddress.getByName("::1%lo"), wildcard);
            connect("plain", InetAddress.getByName("::1"), wildcard);
        }
    }

    private static void connect(String role, InetAddress peer, ServerSocket listener) throws Exception {
        try (Socket client = new Socket(peer, listener.getLocalPort()); Socket accepted = listener.accept()) {
            System.out.println("   socket " + role + " " + client.getLocalAddress().getHostAddress() + ":" + client.getLocalPort()
                    + " -> " + client.getInetAddress().getHostAddress() + ":" + client.getPort());
            client.getOutputStream().write(1);
            accepted.getInputStream().read();
        }
    }
}
