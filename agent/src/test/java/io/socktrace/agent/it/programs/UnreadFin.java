package io.socktrace.agent.it.programs;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * Who closed first when the application never reads the end of stream: the server writes one
 * byte and half-closes; the client reads the byte (not -1), waits while its socket sits in
 * CLOSE_WAIT, and closes, as HTTP clients do after {@code Connection: close}. Then the other way
 * round: the client closes first with nothing pending. Last, a client with SO_LINGER 0 closes
 * with five bytes unread. {@code UnreadFin <socket|channel> <waitMillis>}.
 */
public final class UnreadFin {

    private UnreadFin() {
    }

    public static void main(String[] args) throws Exception {
        boolean channels = args[0].equals("channel");
        long wait = Long.parseLong(args[1]);
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        if (channels) {
            try (ServerSocketChannel listener = ServerSocketChannel.open().bind(any)) {
                // the peer closed first, its FIN left unread
                SocketChannel client = SocketChannel.open(listener.getLocalAddress());
                try (SocketChannel server = listener.accept()) {
                    print("peerfirst", client);
                    server.write(ByteBuffer.wrap(new byte[] {42}));
                    server.shutdownOutput();
                    System.out.println("client read " + client.read(ByteBuffer.allocate(1)) + " byte");
                    Thread.sleep(wait);
                    client.close();
                }
                // we close first, nothing pending
                SocketChannel first = SocketChannel.open(listener.getLocalAddress());
                try (SocketChannel server = listener.accept()) {
                    print("usfirst", first);
                    first.close();
                    System.out.println("server read " + server.read(ByteBuffer.allocate(1)));
                }
                // SO_LINGER 0 and five bytes unread: an abort, whatever the kernel holds
                SocketChannel aborting = SocketChannel.open(listener.getLocalAddress());
                aborting.setOption(java.net.StandardSocketOptions.SO_LINGER, 0);
                try (SocketChannel server = listener.accept()) {
                    print("lingerunread", aborting);
                    server.write(ByteBuffer.wrap(new byte[5]));
                    Thread.sleep(wait);
                    aborting.close();
                }
            }
        } else {
            try (ServerSocket listener = new ServerSocket()) {
                listener.bind(any);
                Socket client = new Socket(listener.getInetAddress(), listener.getLocalPort());
                try (Socket server = listener.accept()) {
                    print("peerfirst", client);
                    server.getOutputStream().write(42);
                    server.shutdownOutput();
                    InputStream in = client.getInputStream();
                    System.out.println("client read " + in.read(new byte[1]) + " byte");
                    Thread.sleep(wait);
                    client.close();
                }
                Socket first = new Socket(listener.getInetAddress(), listener.getLocalPort());
                try (Socket server = listener.accept()) {
                    print("usfirst", first);
                    first.close();
                    System.out.println("server read " + server.getInputStream().read());
                }
                Socket aborting = new Socket(listener.getInetAddress(), listener.getLocalPort());
                aborting.setSoLinger(true, 0);
                try (Socket server = listener.accept()) {
                    print("lingerunread", aborting);
                    server.getOutputStream().write(new byte[5]);
                    Thread.sleep(wait);
                    aborting.close();
                }
            }
        }
    }

    private static void print(String role, Socket s) {
        System.out.println("   socket " + role + " " + s.getLocalAddress().getHostAddress() + ":" + s.getLocalPort() + " -> "
                + s.getInetAddress().getHostAddress() + ":" + s.getPort());
    }

    private static void print(String role, SocketChannel s) throws java.io.IOException {
        print(role, s.socket());
    }
}
