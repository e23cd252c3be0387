package io.socktrace.agent.it.programs;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * java.net.Socket and ServerSocket obtained from channels ({@code socket()} adaptors): every
 * operation passes through both the adaptor and the channel, and must still be one event.
 */
public final class AdaptorExchange {

    public static final int[] WRITES = {11, 222, 3333};

    private AdaptorExchange() {
    }

    public static void main(String[] args) throws Exception {
        try (ServerSocketChannel listenerChannel = ServerSocketChannel.open()) {
            ServerSocket listener = listenerChannel.socket();
            listener.bind(new InetSocketAddress("127.0.0.1", 0), 5);
            Socket client = SocketChannel.open().socket();
            client.setTcpNoDelay(true);
            client.connect(listener.getLocalSocketAddress(), 2000);
            Socket server = listener.accept();
            server.setSoTimeout(3000);
            Exchange.print("client", client);
            Exchange.print("server", server);
            OutputStream out = client.getOutputStream();
            int total = 0;
            for (int n : WRITES) {
                out.write(new byte[n]);
                total += n;
            }
            InputStream in = server.getInputStream();
            System.out.println("   server read " + in.readNBytes(total).length);
            server.getOutputStream().write(new byte[5]);
            System.out.println("   client read " + client.getInputStream().readNBytes(5).length);
            client.close();
            System.out.println("   server then read " + in.read());
            server.close();
        }
    }
}
