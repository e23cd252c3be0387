package io.socktrace.agent.it.programs;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.Map;
import jdk.jfr.Recording;

/**
 * Uses sockets before any recording exists (JFR not even initialised), then starts a recording
 * in-process and uses them again: the events after the start must be there. Writes the recording
 * to {@code args[0]}.
 */
public final class LateRecording {

    private LateRecording() {
    }

    /** Loaded just before the recording is made. */
    public static final class Marker {
        @Override
        public String toString() {
            return "marker";
        }
    }

    public static void main(String[] args) throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            exchange(listener); // before JFR
            System.out.println("jfr initialised before the recording: " + jdk.jfr.FlightRecorder.isInitialized());
            System.out.println("   " + new Marker()); // its loading marks "before the recording" in a class-load log
            try (Recording recording = new Recording(Map.of("socktrace.Connect#enabled", "true",
                    "socktrace.Receive#enabled", "true", "socktrace.Receive#threshold", "0 ms"))) {
                recording.start();
                int refusedPort;
                try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                    refusedPort = probe.getLocalPort();
                }
                System.out.println("   target refused 127.0.0.1:" + refusedPort);
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), refusedPort)) {
                    System.out.println("unexpected: connected");
                } catch (java.io.IOException expected) {
                    // the refused connect is the point
                }
                exchange(listener);
                recording.stop();
                recording.dump(Path.of(args[0]));
            }
        }
    }

    /** Connects to {@code listener}, sends 7 bytes, reads them on the accepted side. */
    private static void exchange(ServerSocket listener) throws Exception {
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
             Socket server = listener.accept()) {
            client.getOutputStream().write(new byte[7]);
            InputStream in = server.getInputStream();
            System.out.println("   read " + in.readNBytes(7).length + " on server port " + server.getLocalPort()
                    + " from " + server.getPort());
        }
    }
}
