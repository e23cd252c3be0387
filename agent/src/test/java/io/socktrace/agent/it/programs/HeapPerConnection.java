package io.socktrace.agent.it.programs;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * Heap held per open loopback socket: opens PAIRS connections (both ends here, so 2 x PAIRS
 * sockets), and prints the growth of the heap in use after a full GC, divided by the sockets.
 * Run with and without the agent: the difference is what the agent retains per tracked
 * connection. A warm-up pair is opened and closed first so class loading is not counted.
 * Arguments: pairs.
 */
public final class HeapPerConnection {

    private HeapPerConnection() {
    }

    public static void main(String[] args) throws Exception {
        int pairs = Integer.parseInt(args[0]);
        ArrayList<Socket> sockets = new ArrayList<>(2 * pairs);
        try (ServerSocket listener = new ServerSocket(0, 1000, InetAddress.getLoopbackAddress())) {
            for (int i = 0; i < 100; i++) { // warm-up: classes, JIT, the agent's own first-use state
                try (Socket c = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort()); Socket s = listener.accept()) {
                    c.getOutputStream().write(1);
                    s.getInputStream().read();
                }
            }
            long before = usedAfterGc();
            for (int i = 0; i < pairs; i++) {
                Socket c = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
                Socket s = listener.accept();
                c.getOutputStream().write(1); // one read and one write each: the state a live connection has
                s.getInputStream().read();
                sockets.add(c);
                sockets.add(s);
            }
            long after = usedAfterGc();
            System.out.printf("sockets %d heap-growth-bytes %d bytes-per-socket %.1f%n", sockets.size(), after - before,
                    (after - before) / (double) sockets.size());
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    private static long usedAfterGc() throws InterruptedException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) { // until it stops shrinking: reference processing takes more than one cycle
            System.gc();
            Thread.sleep(100);
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
