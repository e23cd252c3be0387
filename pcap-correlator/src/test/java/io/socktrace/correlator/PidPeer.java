package io.socktrace.correlator;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;

/**
 * A test program for {@code capture --pid}: waits for a line on stdin, then makes
 * {@code count} connections to 127.0.0.1:{@code port}, each sending 100 bytes, reading 100 back
 * and staying open 400 ms (long enough for a scan of its sockets to see it), then exits.
 */
public final class PidPeer {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int count = Integer.parseInt(args[1]);
        if (System.in.read() < 0) {
            return;
        }
        for (int i = 0; i < count; i++) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                s.getOutputStream().write(new byte[100]);
                InputStream in = s.getInputStream();
                if (in.readNBytes(100).length != 100) {
                    throw new IllegalStateException("short answer");
                }
                Thread.sleep(400);
            }
            Thread.sleep(100);
        }
        System.out.println("done " + count);
    }
}
