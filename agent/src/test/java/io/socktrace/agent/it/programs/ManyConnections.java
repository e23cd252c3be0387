package io.socktrace.agent.it.programs;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * Holds PAIRS loopback connections open (both ends in this JVM, so 2 x PAIRS sockets of this
 * process in /proc/net/tcp6) for SECONDS, then prints the CPU time JFR's periodic-task thread used
 * meanwhile: with only socktrace's periodic events enabled, that is the cost of sampling.
 * Arguments: pairs, seconds.
 */
public final class ManyConnections {

    private ManyConnections() {
    }

    public static void main(String[] args) throws Exception {
        int pairs = Integer.parseInt(args[0]);
        long seconds = Long.parseLong(args[1]);
        List<Socket> sockets = new ArrayList<>(2 * pairs);
        try (ServerSocket listener = new ServerSocket(0, 1000, InetAddress.getLoopbackAddress())) {
            for (int i = 0; i < pairs; i++) {
                sockets.add(new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort()));
                sockets.add(listener.accept());
            }
            System.out.println("open sockets " + sockets.size());
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long id = periodicThread(threads);
            long cpuBefore = id < 0 ? -1 : threads.getThreadCpuTime(id);
            Thread.sleep(seconds * 1000);
            if (id < 0) {
                id = periodicThread(threads);
                cpuBefore = 0;
            }
            long cpuAfter = id < 0 ? -1 : threads.getThreadCpuTime(id);
            System.out.printf("periodic thread cpu ms %.1f over %d s%n", (cpuAfter - cpuBefore) / 1e6, seconds);
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    private static long periodicThread(ThreadMXBean threads) {
        for (ThreadInfo info : threads.dumpAllThreads(false, false)) {
            if (info.getThreadName().equals("JFR Periodic Tasks")) {
                return info.getThreadId();
            }
        }
        return -1;
    }
}
