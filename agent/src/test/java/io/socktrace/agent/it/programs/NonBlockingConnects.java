package io.socktrace.agent.it.programs;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * Three non-blocking connects with a known gap between {@code connect()} and
 * {@code finishConnect()}: one that succeeds, one refused, one closed before it completes.
 */
public final class NonBlockingConnects {

    public static final long GAP_MILLIS = 150;

    private NonBlockingConnects() {
    }

    public static void main(String[] args) throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            try (SocketChannel ok = SocketChannel.open()) {
                ok.configureBlocking(false);
                System.out.println("   ok connect() returned " + ok.connect(listener.getLocalAddress()));
                Thread.sleep(GAP_MILLIS);
                System.out.println("   ok finishConnect() returned " + ok.finishConnect());
                InetSocketAddress local = (InetSocketAddress) ok.getLocalAddress();
                System.out.println("   socket ok 127.0.0.1:" + local.getPort() + " -> 127.0.0.1:"
                        + ((InetSocketAddress) listener.getLocalAddress()).getPort());
            }
            int port;
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = probe.getLocalPort();
            }
            System.out.println("   target refused 127.0.0.1:" + port);
            try (SocketChannel refused = SocketChannel.open()) {
                refused.configureBlocking(false);
                refused.connect(new InetSocketAddress("127.0.0.1", port));
                Thread.sleep(GAP_MILLIS);
                refused.finishConnect();
            } catch (IOException e) {
                System.out.println("   refused: " + e.getMessage());
            }
            System.out.println("   target abandoned 127.0.0.1:" + port);
            SocketChannel abandoned = SocketChannel.open();
            abandoned.configureBlocking(false);
            abandoned.connect(new InetSocketAddress("127.0.0.1", port));
            Thread.sleep(GAP_MILLIS);
            abandoned.close(); // without finishConnect
        }
    }
}
