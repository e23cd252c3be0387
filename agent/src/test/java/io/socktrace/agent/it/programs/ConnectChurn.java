package io.socktrace.agent.it.programs;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * Connection churn over loopback: connect, one byte each way, close. Prints connections per
 * second over the measured time. Arguments: warm-up seconds, measured seconds. Bounded by time
 * and by 2 million connections.
 */
public final class ConnectChurn {

    private ConnectChurn() {
    }

    public static void main(String[] args) throws Exception {
        long warmupNanos = (long) (Double.parseDouble(args[0]) * 1e9);
        long measureNanos = (long) (Double.parseDouble(args[1]) * 1e9);
        try (ServerSocket listener = new ServerSocket(0, 200, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try {
                    while (true) {
                        try (Socket s = listener.accept()) {
                            InputStream in = s.getInputStream();
                            int b = in.read();
                            s.getOutputStream().write(b);
                            in.read(); // wait for the client's close, so it closes first (no TIME_WAIT pile-up here)
                        }
                    }
                } catch (java.io.IOException end) {
                    // listener closed
                }
            }, "churn-server");
            server.setDaemon(true);
            server.start();
            long start = System.nanoTime();
            long measuredFrom = start + warmupNanos;
            long end = measuredFrom + measureNanos;
            long count = 0;
            long now = start;
            for (int i = 0; i < 2_000_000 && now < end; i++) {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
                    s.getOutputStream().write(1);
                    s.getInputStream().read();
                }
                now = System.nanoTime();
                if (now >= measuredFrom) {
                    count++;
                }
            }
            System.out.printf("connections/s %.0f%n", count / ((now - measuredFrom) / 1e9));
        }
    }
}
