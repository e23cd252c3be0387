package io.socktrace.agent.it.programs;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The broken-pipe failure over channels: the server reads the request and closes; the client
 * keeps writing until a write fails (at most 20 writes, 50 ms apart).
 */
public final class ChannelBrokenPipe {

    private ChannelBrokenPipe() {
    }

    public static void main(String[] args) throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            SocketChannel client = SocketChannel.open(listener.getLocalAddress());
            SocketChannel server = listener.accept();
            InetSocketAddress local = (InetSocketAddress) client.getLocalAddress();
            InetSocketAddress remote = (InetSocketAddress) client.getRemoteAddress();
            System.out.println("   socket client 127.0.0.1:" + local.getPort() + " -> 127.0.0.1:" + remote.getPort());
            System.out.println("   socket server 127.0.0.1:" + remote.getPort() + " -> 127.0.0.1:" + local.getPort());
            client.write(ByteBuffer.wrap(new byte[5]));
            ByteBuffer request = ByteBuffer.allocate(5);
            while (request.hasRemaining()) {
                server.read(request);
            }
            server.close();
            Thread.sleep(100);
            int ok = 0;
            try {
                for (int i = 0; i < 20; i++) {
                    client.write(ByteBuffer.wrap(new byte[100]));
                    ok++;
                    Thread.sleep(50);
                }
                System.out.println("   client: UNEXPECTED: 20 writes succeeded");
            } catch (IOException e) {
                System.out.println("   client: " + ok + " writes ok, then " + e);
            }
            client.close();
        }
    }
}
