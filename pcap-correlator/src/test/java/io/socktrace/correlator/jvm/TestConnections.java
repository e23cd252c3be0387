package io.socktrace.correlator.jvm;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Builds JVM connections as the recording reader would, for join tests that need exact times. */
public final class TestConnections {
    private TestConnections() {
    }

    /** A client that connected from {@code localPort} to {@code remotePort} on 127.0.0.1, at {@code startNanos}. */
    public static JvmConnection client(long id, int localPort, int remotePort, long startNanos, long connectNanos, String outcome) {
        JvmConnection c = new JvmConnection(id);
        c.side = JvmConnection.Side.CLIENT;
        c.localAddress = loopback();
        c.localPort = localPort;
        c.remoteAddress = loopback();
        c.remotePort = remotePort;
        c.connect = new JvmConnection.Call("Connect", startNanos, connectNanos, outcome, 0, null);
        c.calls.add(c.connect);
        return c;
    }

    /** Adds a call to a connection (calls must be added in time order). */
    public static JvmConnection.Call call(JvmConnection c, String event, long startNanos, long durationNanos, String outcome, long bytes) {
        JvmConnection.Call call = new JvmConnection.Call(event, startNanos, durationNanos, outcome, bytes, null);
        c.calls.add(call);
        return call;
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
