package io.socktrace.correlator.jvm;

import io.socktrace.correlator.capture.Addresses;
import io.socktrace.events.EventNames;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * One socket of the traced JVM as its recording describes it: the 4-tuple, which side it was,
 * and the socket calls with their times (epoch nanoseconds, on the JVM's clock). The join key to
 * a captured TCP flow is the 4-tuple plus time, since ports are reused.
 */
public final class JvmConnection {

    /** Which end of the connection the JVM was. */
    public enum Side { CLIENT, SERVER, LISTENER, UNKNOWN }

    /** One recorded call on the connection. */
    public static final class Call {
        /** The event's name without {@link EventNames#PREFIX}, as reports print it: {@code Connect}. */
        public final String event;
        public final long startNanos;
        public final long durationNanos;
        /** What the event recorded as its result: its outcome, or Close's initiator, Reset's kind, TcpInfo's state. */
        public final String outcome;
        public final long bytes;
        public final String exceptionMessage;
        /**
         * A failure the JDK met and kept to itself (a TLS close after the peer had gone): what the
         * socket did, not what the application was told, so no finding treats it as a failure.
         */
        public final boolean handledByJdk;

        Call(String event, long startNanos, long durationNanos, String outcome, long bytes, String exceptionMessage) {
            this(event, startNanos, durationNanos, outcome, bytes, exceptionMessage, false);
        }

        Call(String event, long startNanos, long durationNanos, String outcome, long bytes, String exceptionMessage,
             boolean handledByJdk) {
            this.event = event;
            this.startNanos = startNanos;
            this.durationNanos = durationNanos;
            this.outcome = outcome;
            this.bytes = bytes;
            this.exceptionMessage = exceptionMessage;
            this.handledByJdk = handledByJdk;
        }

        public long endNanos() {
            return startNanos + durationNanos;
        }

        /** Whether this call is the event named {@code eventName} (an {@link EventNames} constant). */
        public boolean is(String eventName) {
            return eventName.length() == EventNames.PREFIX.length() + event.length()
                    && eventName.startsWith(EventNames.PREFIX) && eventName.endsWith(event);
        }

        @Override
        public String toString() {
            return event + (outcome == null ? "" : " " + outcome) + " @" + startNanos + "+" + durationNanos + "ns";
        }
    }

    final long connectionId;
    String recording;
    Side side = Side.UNKNOWN;
    String host;
    InetAddress localAddress;
    int localPort;
    InetAddress remoteAddress;
    /** The address texts last parsed into localAddress/remoteAddress (the reader parses each once). */
    String localLiteral;
    String remoteLiteral;
    /** The addresses as a capture holds them, and which InetAddress they were computed from. */
    private InetAddress localBits;
    private long localHigh;
    private long localLow;
    private InetAddress remoteBits;
    private long remoteHigh;
    private long remoteLow;
    int remotePort;
    String communityId;
    String thread;
    Call connect;
    Call accept;
    Call close;
    String closeInitiator;
    long bytesRead = -1;
    long bytesWritten = -1;
    final List<Call> calls = new ArrayList<>();

    JvmConnection(long connectionId) {
        this.connectionId = connectionId;
    }

    public long connectionId() {
        return connectionId;
    }

    /** The recording this connection came from (its file name without ".jfr"); ids are unique only within one. */
    public String recording() {
        return recording;
    }

    public Side side() {
        return side;
    }

    public String host() {
        return host;
    }

    /** Local address, or null where the recording did not know it (a failed connect). */
    public InetAddress localAddress() {
        return localAddress;
    }

    public int localPort() {
        return localPort;
    }

    public InetAddress remoteAddress() {
        return remoteAddress;
    }

    /**
     * True if the remote address is known and is the capture's 128-bit address (high, low).
     * Compared as numbers: Java writes {@code ::1} as {@code 0:0:0:0:0:0:0:1}, a capture tool as {@code ::1}.
     */
    public boolean remoteIs(long high, long low) {
        return remoteAddress != null && remoteBits() && remoteHigh == high && remoteLow == low;
    }

    /** True if the local address is unknown (a failed connect) or is the capture's address (high, low). */
    public boolean localIsOrUnknown(long high, long low) {
        return localAddress == null || (localBits() && localHigh == high && localLow == low);
    }

    /**
     * The local address as capture tools write it (IPv6 in RFC 5952 form, {@code ::1} rather than
     * Java's {@code 0:0:0:0:0:0:0:1}), or null when unknown.
     */
    public String localText() {
        return localAddress == null || !localBits() ? null : Addresses.format(localHigh, localLow);
    }

    /** The remote address as capture tools write it, or null when unknown. */
    public String remoteText() {
        return remoteAddress == null || !remoteBits() ? null : Addresses.format(remoteHigh, remoteLow);
    }

    /** Local address and port as capture tools write them ({@code [::1]:8080}, {@code 127.0.0.1:8080}); {@code ?} for an unknown address. */
    public String localEndpoint() {
        if (localAddress == null) {
            return "?:" + localPort;
        }
        localBits();
        return Addresses.formatEndpoint(localHigh, localLow, localPort);
    }

    /** Remote address and port as capture tools write them. */
    public String remoteEndpoint() {
        if (remoteAddress == null) {
            return "?:" + remotePort;
        }
        remoteBits();
        return Addresses.formatEndpoint(remoteHigh, remoteLow, remotePort);
    }

    private boolean localBits() {
        if (localBits != localAddress) {
            byte[] bytes = localAddress.getAddress();
            localHigh = Addresses.high(bytes);
            localLow = Addresses.low(bytes);
            localBits = localAddress;
        }
        return true;
    }

    private boolean remoteBits() {
        if (remoteBits != remoteAddress) {
            byte[] bytes = remoteAddress.getAddress();
            remoteHigh = Addresses.high(bytes);
            remoteLow = Addresses.low(bytes);
            remoteBits = remoteAddress;
        }
        return true;
    }

    public int remotePort() {
        return remotePort;
    }

    public String communityId() {
        return communityId;
    }

    public String thread() {
        return thread;
    }

    /** The Connect call, or null for an accepted connection. */
    public Call connect() {
        return connect;
    }

    /** The Accept call, or null for an outgoing connection. */
    public Call accept() {
        return accept;
    }

    /** The Close call, or null if the recording saw none. */
    public Call close() {
        return close;
    }

    public String closeInitiator() {
        return closeInitiator;
    }

    /** Total bytes read as the Close recorded them, or -1 without a Close. */
    public long bytesRead() {
        return bytesRead;
    }

    public long bytesWritten() {
        return bytesWritten;
    }

    /** Every recorded call (Receive, Send, Reset, Shutdown, CloseWaitLeak, Leak, ...) in time order. */
    public List<Call> calls() {
        return calls;
    }

    /** The first recorded time of this connection. */
    public long firstNanos() {
        long first = Long.MAX_VALUE;
        for (Call c : calls) {
            first = Math.min(first, c.startNanos);
        }
        return first;
    }

    /** The last recorded time of this connection. */
    public long lastNanos() {
        long last = Long.MIN_VALUE;
        for (Call c : calls) {
            last = Math.max(last, c.endNanos());
        }
        return last;
    }

    @Override
    public String toString() {
        return "connection " + connectionId + " " + side + " " + localEndpoint() + " -> " + remoteEndpoint();
    }
}
