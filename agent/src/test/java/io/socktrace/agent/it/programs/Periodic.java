package io.socktrace.agent.it.programs;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A connection every 100 ms to its own listener until the file named by its argument appears (at
 * most 30 s). Prints {@code ready <port>} first: something to watch.
 */
public final class Periodic {

    private Periodic() {
    }

    public static void main(String[] args) throws Exception {
        Path stop = Path.of(args[0]);
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try {
                    while (true) {
                        try (Socket s = listener.accept()) {
                            s.getInputStream().read();
                        }
                    }
                } catch (Exception closed) {
                    // the listener closed: done
                }
            }, "periodic-server");
            server.setDaemon(true);
            server.start();
            System.out.println("ready " + listener.getLocalPort());
            System.out.flush();
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!Files.exists(stop) && System.nanoTime() < deadline) {
                try (Socket c = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
                    c.getOutputStream().write(1);
                }
                Thread.sleep(100);
            }
        }
    }
}
