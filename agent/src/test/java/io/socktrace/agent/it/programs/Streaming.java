package io.socktrace.agent.it.programs;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import jdk.jfr.consumer.RecordingStream;

/**
 * Consumes socktrace events in-process with {@link RecordingStream}, as the README shows: a refused
 * connect must arrive as a live event, with its fields.
 */
public final class Streaming {

    private Streaming() {
    }

    public static void main(String[] args) throws Exception {
        CountDownLatch seen = new CountDownLatch(1);
        try (RecordingStream stream = new RecordingStream()) {
            stream.enable("socktrace.Connect").withStackTrace();
            stream.onEvent("socktrace.Connect", e -> {
                System.out.println("streamed: " + e.getString("outcome") + " " + e.getString("address") + ":" + e.getInt("port")
                        + " " + e.getString("exceptionMessage"));
                seen.countDown();
            });
            stream.startAsync();
            int port;
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = probe.getLocalPort();
            }
            System.out.println("   target client 127.0.0.1:" + port);
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                System.out.println("unexpected: connected");
            } catch (java.io.IOException expected) {
                // the refused connect is the point
            }
            System.out.println(seen.await(20, TimeUnit.SECONDS) ? "done" : "no event within 20 s");
        }
    }
}
