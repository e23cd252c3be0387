package io.socktrace.agent.it.programs;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * Two listeners on one address and port with SO_REUSEPORT (backlogs 5 and 7) that never accept,
 * and six clients the kernel shares out between their queues; held for a second so that the
 * sampler sees them. Prints {@code listeners <port>}.
 */
public final class ReusePortListeners {

    private ReusePortListeners() {
    }

    public static void main(String[] args) throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket first = new ServerSocket(); ServerSocket second = new ServerSocket()) {
            first.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            second.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            first.bind(new InetSocketAddress(loopback, 0), 5);
            second.bind(new InetSocketAddress(loopback, first.getLocalPort()), 7);
            System.out.println("   listeners " + first.getLocalPort());
            List<Socket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 6; i++) {
                    clients.add(new Socket(loopback, first.getLocalPort()));
                }
                Thread.sleep(1200);
            } finally {
                for (Socket c : clients) {
                    c.close();
                }
            }
        }
    }
}
