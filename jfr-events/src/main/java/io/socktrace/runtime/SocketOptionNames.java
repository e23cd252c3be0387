package io.socktrace.runtime;

import java.net.SocketOptions;

/**
 * Names and normalised values for socket options, so that {@code setTcpNoDelay(true)} (the old
 * integer-keyed API) and {@code setOption(StandardSocketOptions.TCP_NODELAY, true)} record the
 * same thing. SO_LINGER is normalised to seconds with -1 for off, whichever API set it.
 */
final class SocketOptionNames {

    private SocketOptionNames() {
    }

    /** The standard name of a {@link SocketOptions} constant, or null for options not worth an event. */
    static String legacyName(int option) {
        switch (option) {
            case SocketOptions.TCP_NODELAY: return "TCP_NODELAY";
            case SocketOptions.SO_LINGER: return "SO_LINGER";
            case SocketOptions.SO_TIMEOUT: return "SO_TIMEOUT";
            case SocketOptions.SO_KEEPALIVE: return "SO_KEEPALIVE";
            case SocketOptions.SO_SNDBUF: return "SO_SNDBUF";
            case SocketOptions.SO_RCVBUF: return "SO_RCVBUF";
            case SocketOptions.SO_REUSEADDR: return "SO_REUSEADDR";
            case SocketOptions.SO_REUSEPORT: return "SO_REUSEPORT";
            case SocketOptions.SO_OOBINLINE: return "SO_OOBINLINE";
            case SocketOptions.IP_TOS: return "IP_TOS";
            case SocketOptions.SO_BROADCAST: return "SO_BROADCAST";
            default: return null;
        }
    }

    static String legacyValue(int option, Object value) {
        if (option == SocketOptions.SO_LINGER && value instanceof Boolean) {
            return "-1"; // setSoLinger(false, n) passes Boolean.FALSE: lingering off
        }
        return String.valueOf(value);
    }

    static String value(String name, Object value) {
        if ("SO_LINGER".equals(name) && value instanceof Integer && (Integer) value < 0) {
            return "-1";
        }
        return String.valueOf(value);
    }
}
