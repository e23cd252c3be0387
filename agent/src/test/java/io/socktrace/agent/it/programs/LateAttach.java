package io.socktrace.agent.it.programs;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens a connection, says "ready", and waits (at most 60 s) for the file named by its argument;
 * the test attaches the agent meanwhile. Then it moves bytes on the old connection, closes it,
 * and makes a new connection: events must show both.
 */
public final class LateAttach {

    private LateAttach() {
    }

    public static void main(String[] args) throws Exception {
        Path go = Path.of(args[0]);
        try (ServerSocket listener = new ServerSocket()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Socket old = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
            Socket oldServer = listener.accept();
            Exchange.print("old", old);
            System.out.println("ready");
            System.out.flush();
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (!Files.exists(go) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            OutputStream out = old.getOutputStream();
            out.write(new byte[1234]);
            InputStream in = oldServer.getInputStream();
            System.out.println("   old server read " + in.readNBytes(1234).length);
            old.close();
            System.out.println("   old server then read " + in.read());
            oldServer.close();

            int refusedPort;
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                refusedPort = probe.getLocalPort();
            }
            System.out.println("   target refused 127.0.0.1:" + refusedPort);
            try (Socket refused = new Socket()) {
                refused.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), refusedPort), 700);
            } catch (java.io.IOException expected) {
                System.out.println("   refused: " + expected.getMessage());
            }

            Exchange.freshConnection(listener);
        }
    }
}
