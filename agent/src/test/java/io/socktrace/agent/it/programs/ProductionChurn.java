package io.socktrace.agent.it.programs;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;

/**
 * Connection churn with the abnormal cases in the middle of it, for the production defaults:
 * {@code count} connections to one listener (connect, one byte each way, the client closes first,
 * the server closes after its end of stream), and halfway through a refused connect, a reset, an
 * abort (close with unread input), a slow connect (the SYN dropped by a full accept queue, answered
 * by the retransmission a second later) and a close after a long CLOSE_WAIT, each on a listener of
 * its own so the churn's counts stay exact. Prints the churn's port and the socket lines of the
 * special cases; waits {@code tail} seconds at the end so a statistics period closes after the
 * last connection. Bounded by the count and by 120 s.
 */
public final class ProductionChurn {

    private ProductionChurn() {
    }

    public static void main(String[] args) throws Exception {
        int count = Integer.parseInt(args[0]);
        double tail = Double.parseDouble(args[1]);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        long deadline = System.nanoTime() + 120_000_000_000L;
        try (ServerSocket listener = new ServerSocket(0, 200, loopback)) {
            Thread server = new Thread(() -> serve(listener), "churn-server");
            server.setDaemon(true);
            server.start();
            System.out.println("   churn port " + listener.getLocalPort());
            int made = 0;
            for (int i = 0; i < count && System.nanoTime() < deadline; i++) {
                if (i == count / 2) {
                    abnormalCases(loopback);
                }
                try (Socket s = new Socket(loopback, listener.getLocalPort())) {
                    s.getOutputStream().write(1);
                    if (s.getInputStream().read() != 1) {
                        throw new IOException("no echo");
                    }
                }
                made++;
            }
            System.out.println("   churn connections " + made);
        }
        Thread.sleep((long) (tail * 1000));
    }

    private static void serve(ServerSocket listener) {
        try {
            while (true) {
                try (Socket s = listener.accept()) {
                    InputStream in = s.getInputStream();
                    s.getOutputStream().write(in.read());
                    in.read(); // the client closes first
                }
            }
        } catch (IOException end) {
            // listener closed
        }
    }

    private static void abnormalCases(InetAddress loopback) throws Exception {
        // refused: a port whose listener is gone
        int refusedPort;
        try (ServerSocket gone = new ServerSocket(0, 1, loopback)) {
            refusedPort = gone.getLocalPort();
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(loopback, refusedPort), 2000);
            throw new IllegalStateException("connected to a closed port");
        } catch (java.net.ConnectException expected) {
            System.out.println("   target refused " + loopback.getHostAddress() + ":" + refusedPort);
        }
        // reset: the server aborts (SO_LINGER 0) while the client waits in read
        try (ServerSocket resetter = new ServerSocket(0, 1, loopback); Socket s = new Socket(loopback, resetter.getLocalPort());
             Socket accepted = resetter.accept()) {
            s.getOutputStream().write(1);
            accepted.getInputStream().read();
            accepted.setSoLinger(true, 0);
            accepted.close();
            print("reset", s);
            try {
                s.getInputStream().read();
                throw new IllegalStateException("no reset");
            } catch (SocketException expected) {
                // Connection reset
            }
        }
        // abort: the client closes with a byte it never read
        try (ServerSocket aborted = new ServerSocket(0, 1, loopback); Socket s = new Socket(loopback, aborted.getLocalPort());
             Socket accepted = aborted.accept()) {
            accepted.getOutputStream().write(new byte[] {1, 2});
            s.getInputStream().read();
            Thread.sleep(50); // the second byte is in the client's receive queue
            print("abort", s);
            s.close();
        }
        // slow connect: backlog 1 holds two completed connections; the third SYN is dropped and
        // retransmitted after a second, by when the queue has been drained
        try (ServerSocket full = new ServerSocket(0, 1, loopback)) {
            List<Socket> fillers = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                fillers.add(new Socket(loopback, full.getLocalPort()));
            }
            Thread drain = new Thread(() -> {
                try {
                    Thread.sleep(300);
                    for (int i = 0; i < 3; i++) {
                        full.accept().close();
                    }
                } catch (Exception ignored) {
                    // the listener closes at the end
                }
            });
            drain.start();
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(loopback, full.getLocalPort()), 5000);
                print("slow", s);
            }
            drain.join(5000);
            for (Socket f : fillers) {
                f.close();
            }
        }
        // long CLOSE_WAIT: the peer closes, the client reads the end of stream and closes 1.2 s later
        try (ServerSocket closing = new ServerSocket(0, 1, loopback); Socket s = new Socket(loopback, closing.getLocalPort())) {
            closing.accept().close();
            if (s.getInputStream().read() != -1) {
                throw new IllegalStateException("no end of stream");
            }
            print("closewait", s);
            Thread.sleep(1200);
        }
    }

    private static void print(String role, Socket s) {
        System.out.println("   socket " + role + " " + s.getLocalAddress().getHostAddress() + ":" + s.getLocalPort() + " -> "
                + s.getInetAddress().getHostAddress() + ":" + s.getPort());
    }
}
