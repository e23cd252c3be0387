package io.socktrace.agent.it.programs;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A JVM with one thread blocked in a read and one blocked in a connect (to a listener whose accept
 * queue is full, so its SYN is dropped) when it says "ready"; the test attaches the agent then and
 * creates the file named by the argument (waited for at most 30 s). The blocked read then gets 5
 * bytes and the next read on the same connection 7; the blocked connect times out as it would
 * without the agent; a new connection is made and closed.
 */
public final class MidFlight {

    private static final int CONNECT_TIMEOUT_MS = 8_000;

    private MidFlight() {
    }

    public static void main(String[] args) throws Exception {
        Path go = Path.of(args[0]);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        List<Socket> fillers = new ArrayList<>();
        try (ServerSocket listener = new ServerSocket(0, 50, loopback); ServerSocket full = new ServerSocket(0, 1, loopback)) {
            Socket reader = new Socket(loopback, listener.getLocalPort());
            Socket writer = listener.accept();
            Exchange.print("reader", reader);
            InetSocketAddress fullTarget = new InetSocketAddress(loopback, full.getLocalPort());
            for (int i = 0; i < 16; i++) { // fill the accept queue until a connect times out
                Socket filler = new Socket();
                try {
                    filler.connect(fullTarget, 300);
                    fillers.add(filler);
                } catch (SocketTimeoutException queueFull) {
                    filler.close();
                    break;
                }
            }
            System.out.println("   target blocked 127.0.0.1:" + full.getLocalPort());

            String[] readResult = new String[1];
            Thread read = new Thread(() -> {
                try {
                    InputStream in = reader.getInputStream();
                    byte[] buffer = new byte[64];
                    int first = in.read(buffer);
                    int second = in.readNBytes(buffer, 0, 7);
                    readResult[0] = "first read " + first + ", second read " + second;
                } catch (IOException e) {
                    readResult[0] = "read failed: " + e;
                }
            }, "blocked-reader");
            String[] connectResult = new String[1];
            Thread connect = new Thread(() -> {
                try (Socket blocked = new Socket()) {
                    long start = System.nanoTime();
                    try {
                        blocked.connect(fullTarget, CONNECT_TIMEOUT_MS);
                        connectResult[0] = "connect: connected";
                    } catch (IOException e) {
                        connectResult[0] = "connect: " + e.getClass().getSimpleName() + ": " + e.getMessage()
                                + " after " + (System.nanoTime() - start) / 1_000_000_000 + " s";
                    }
                } catch (IOException e) {
                    connectResult[0] = "close failed: " + e;
                }
            }, "blocked-connect");
            read.start();
            connect.start();
            while (read.getState() != Thread.State.RUNNABLE || connect.getState() != Thread.State.RUNNABLE) {
                Thread.sleep(5);
            }
            Thread.sleep(200); // both inside their system calls by now
            System.out.println("ready");
            System.out.flush();
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!Files.exists(go) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            writer.getOutputStream().write(new byte[5]);
            Thread.sleep(100);
            writer.getOutputStream().write(new byte[7]);
            read.join(10_000);
            connect.join(CONNECT_TIMEOUT_MS + 5_000L);
            System.out.println("   " + readResult[0]);
            System.out.println("   " + connectResult[0]);
            reader.close();
            writer.close();

            Exchange.freshConnection(listener);
        } finally {
            for (Socket filler : fillers) {
                filler.close();
            }
        }
    }
}
