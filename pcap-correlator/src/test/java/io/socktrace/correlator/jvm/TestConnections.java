package io.socktrace.correlator.jvm;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Builds {@link JvmConnection}s by hand for tests that need text or timing a real recording does
 * not have (markup in an exception message, a flow longer than the drawing caps).
 */
public final class TestConnections {

    private TestConnections() {
    }

    /** A connection the JVM opened, with the given calls (already in time order). */
    public static JvmConnection client(long id, String local, int localPort, String remote, int remotePort, String host,
                                       String thread, JvmConnection.Call... calls) {
        JvmConnection c = new JvmConnection(id);
        c.side = JvmConnection.Side.CLIENT;
        c.localAddress = address(local);
        c.localPort = localPort;
        c.remoteAddress = address(remote);
        c.remotePort = remotePort;
        c.host = host;
        c.thread = thread;
        for (JvmConnection.Call call : calls) {
            c.calls.add(call);
            if (call.event.equals("Connect")) {
                c.connect = call;
            } else if (call.event.equals("Close")) {
                c.close = call;
                c.closeInitiator = call.outcome;
            }
        }
        return c;
    }

    /** A client that connected from {@code localPort} to {@code remotePort} on 127.0.0.1, at {@code startNanos}. */
    public static JvmConnection client(long id, int localPort, int remotePort, long startNanos, long connectNanos, String outcome) {
        return client(id, "127.0.0.1", localPort, "127.0.0.1", remotePort, null, null,
                call("Connect", startNanos, connectNanos, outcome, 0, null));
    }

    public static JvmConnection.Call call(String event, long startNanos, long durationNanos, String outcome, long bytes,
                                          String exceptionMessage) {
        return new JvmConnection.Call(event, startNanos, durationNanos, outcome, bytes, exceptionMessage);
    }

    /** A call whose failure the JDK handled inside itself (a TLS close), as the agent marks it. */
    public static JvmConnection.Call handledCall(String event, long startNanos, long durationNanos, String outcome,
                                                 String exceptionMessage) {
        return new JvmConnection.Call(event, startNanos, durationNanos, outcome, 0, exceptionMessage, true);
    }

    /** Marks the connection as read from the recording with this name. */
    public static JvmConnection inRecording(JvmConnection c, String recording) {
        c.recording = recording;
        return c;
    }

    private static InetAddress address(String literal) {
        try {
            return literal == null ? null : InetAddress.getByName(literal); // literals only: no lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }
}
