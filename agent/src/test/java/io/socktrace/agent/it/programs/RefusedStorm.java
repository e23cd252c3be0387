package io.socktrace.agent.it.programs;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A client retrying a refused port in a loop: {@code count} connects to a loopback port nothing
 * listens on, as fast as they fail. Prints the port; waits {@code tail} seconds at the end so a
 * statistics period closes after the last attempt. Bounded by the count and by 60 s.
 */
public final class RefusedStorm {

    private RefusedStorm() {
    }

    public static void main(String[] args) throws Exception {
        int count = Integer.parseInt(args[0]);
        double tail = Double.parseDouble(args[1]);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        int port;
        try (ServerSocket gone = new ServerSocket(0, 1, loopback)) {
            port = gone.getLocalPort();
        }
        System.out.println("   refused port " + port);
        long deadline = System.nanoTime() + 60_000_000_000L;
        int refused = 0;
        for (int i = 0; i < count && System.nanoTime() < deadline; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(loopback, port), 1000);
                throw new IllegalStateException("connected to a closed port");
            } catch (ConnectException expected) {
                refused++;
            }
        }
        System.out.println("   refused connects " + refused);
        Thread.sleep((long) (tail * 1000));
    }
}
