package io.socktrace.agent.it.programs;

import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * Blocking request/response over loopback: the client writes a message, the server echoes it.
 * Prints round trips per second over the measured time, after a warm-up. Arguments: message size
 * in bytes, warm-up seconds, measured seconds. Bounded by time and by 50 million round trips.
 */
public final class PingPong {

    private PingPong() {
    }

    public static void main(String[] args) throws Exception {
        int size = Integer.parseInt(args[0]);
        long warmupNanos = (long) (Double.parseDouble(args[1]) * 1e9);
        long measureNanos = (long) (Double.parseDouble(args[2]) * 1e9);
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try (Socket s = listener.accept()) {
                    s.setTcpNoDelay(true);
                    DataInputStream in = new DataInputStream(s.getInputStream());
                    OutputStream out = s.getOutputStream();
                    byte[] buf = new byte[size];
                    while (true) {
                        in.readFully(buf);
                        out.write(buf);
                    }
                } catch (java.io.IOException end) {
                    // the client closed: done
                }
            }, "pingpong-server");
            server.setDaemon(true);
            server.start();
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
                client.setTcpNoDelay(true);
                DataInputStream in = new DataInputStream(client.getInputStream());
                OutputStream out = client.getOutputStream();
                byte[] buf = new byte[size];
                long start = System.nanoTime();
                long measuredFrom = start + warmupNanos;
                long end = measuredFrom + measureNanos;
                long count = 0;
                long now = start;
                for (long i = 0; i < 50_000_000L && now < end; i++) {
                    out.write(buf);
                    in.readFully(buf);
                    now = System.nanoTime();
                    if (now >= measuredFrom) {
                        count++;
                    }
                }
                System.out.printf("roundtrips/s %.0f%n", count / ((now - measuredFrom) / 1e9));
            }
        }
    }
}
