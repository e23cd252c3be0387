package io.socktrace.agent.it.programs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.util.concurrent.TimeUnit;

/**
 * A client and a server in one JVM exchange known byte counts, then close in the order given as
 * the first argument: {@code local-first} (client closes first), {@code peer-first} (server closes
 * first, the client reads end of stream, then closes), {@code linger0} (client closes with
 * SO_LINGER 0), {@code half-close} (client shuts its output down, reads the server's reply and end
 * of stream, then closes). Prints the socket lines the integration tests parse.
 */
public final class Exchange {

    public static final int[] CLIENT_WRITES = {10, 200, 3000};
    public static final int REPLY = 77;

    private Exchange() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        // -Dexchange.startDelayMillis: lets the agent's background set-up (TCP_INFO) finish first
        Thread.sleep(Long.getLong("exchange.startDelayMillis", 0));
        int total = 0;
        for (int n : CLIENT_WRITES) {
            total += n;
        }
        final int expected = total;
        try (ServerSocket listener = new ServerSocket()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 7);
            Socket[] accepted = new Socket[1];
            Thread server = new Thread(() -> {
                try {
                    Socket s = listener.accept();
                    accepted[0] = s;
                    s.setSoTimeout(5000);
                    InputStream in = s.getInputStream();
                    byte[] got = in.readNBytes(expected);
                    OutputStream out = s.getOutputStream();
                    out.write(new byte[REPLY]);
                    out.flush();
                    if (mode.equals("peer-first")) {
                        s.close();
                    } else {
                        // wait for the client's close (or its FIN), then close: we are the peer
                        int eof = in.read();
                        System.out.println("   server: read " + got.length + ", then " + eof);
                        s.close();
                    }
                } catch (IOException e) {
                    System.out.println("   server: " + e);
                }
            }, "exchange-server");
            server.start();

            Socket client = new Socket();
            client.setTcpNoDelay(true);
            client.setKeepAlive(true);
            client.setOption(StandardSocketOptions.SO_RCVBUF, 65536);
            client.connect(listener.getLocalSocketAddress(), 3000);
            client.setSoTimeout(5000);
            OutputStream out = client.getOutputStream();
            for (int n : CLIENT_WRITES) {
                out.write(new byte[n]);
            }
            InputStream in = client.getInputStream();
            byte[] reply = in.readNBytes(REPLY);
            while (accepted[0] == null) {
                Thread.onSpinWait();
            }
            print("client", client);
            print("server", accepted[0]);
            switch (mode) {
                case "local-first":
                    client.close();
                    break;
                case "peer-first":
                    server.join(TimeUnit.SECONDS.toMillis(5));
                    System.out.println("   client: end of stream " + in.read());
                    client.close();
                    break;
                case "linger0":
                    client.setSoLinger(true, 0);
                    client.close();
                    break;
                case "half-close":
                    client.shutdownOutput();
                    System.out.println("   client: end of stream " + in.read());
                    client.close();
                    break;
                default:
                    throw new IllegalArgumentException(mode);
            }
            server.join(TimeUnit.SECONDS.toMillis(5));
            System.out.println("   client: wrote " + expected + ", read " + reply.length);
        }
    }

    /**
     * A new connection to {@code listener}, printed as role "new": 99 bytes from the client, read
     * by the accepted side ("new server read 99"), both closed. What the attach tests expect after
     * the agent came in.
     */
    static void freshConnection(java.net.ServerSocket listener) throws java.io.IOException {
        try (Socket fresh = new Socket()) {
            fresh.connect(listener.getLocalSocketAddress(), 2000);
            print("new", fresh);
            fresh.getOutputStream().write(new byte[99]);
            try (Socket freshServer = listener.accept()) {
                System.out.println("   new server read " + freshServer.getInputStream().readNBytes(99).length);
            }
        }
    }

    static void print(String role, Socket s) {
        System.out.println("   socket " + role + " " + s.getLocalAddress().getHostAddress() + ":" + s.getLocalPort()
                + " -> " + s.getInetAddress().getHostAddress() + ":" + s.getPort());
    }
}
