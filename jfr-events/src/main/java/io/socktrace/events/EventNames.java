package io.socktrace.events;

import java.util.List;

/**
 * The names of socktrace's JFR events, declared once: the event classes take their {@code @Name}
 * from here and every reader (the agent's summary and watch, the correlator) imports the same
 * constants, so renaming an event is a compile error in each of them rather than a reader that
 * silently finds nothing. The names are the recordings' format: a recording written by one
 * version is read by another, so a name only ever changes on purpose ({@code SchemaTest} pins
 * them to the event classes).
 */
public final class EventNames {

    /** What every socktrace event name starts with. */
    public static final String PREFIX = "socktrace.";

    public static final String CONNECT = PREFIX + "Connect";
    public static final String ACCEPT = PREFIX + "Accept";
    public static final String LISTEN = PREFIX + "Listen";
    public static final String RECEIVE = PREFIX + "Receive";
    public static final String SEND = PREFIX + "Send";
    public static final String RESET = PREFIX + "Reset";
    public static final String CLOSE = PREFIX + "Close";
    public static final String SHUTDOWN = PREFIX + "Shutdown";
    public static final String SOCKET_OPTION = PREFIX + "SocketOption";
    public static final String CLOSE_WAIT_LEAK = PREFIX + "CloseWaitLeak";
    public static final String LEAK = PREFIX + "Leak";
    public static final String TCP_INFO = PREFIX + "TcpInfo";
    public static final String LISTEN_QUEUE = PREFIX + "ListenQueue";
    public static final String NETWORK_STATISTICS = PREFIX + "NetworkStatistics";
    public static final String ENDPOINT_STATISTICS = PREFIX + "EndpointStatistics";
    public static final String SAMPLING = PREFIX + "Sampling";
    public static final String TRANSPORT = PREFIX + "Transport";

    /**
     * A captured TCP packet, written by the correlator ({@code correlate --jfr-out}) next to the
     * agent's events; its fields are {@link PacketFields}. No class of this jar declares it.
     */
    public static final String PACKET = PREFIX + "Packet";

    /** The JFR annotation that marks a connection id field ({@link ConnectionId}), relating the events of one socket. */
    public static final String CONNECTION_ID_ANNOTATION = PREFIX + "ConnectionId";

    /** Every event the agent records, in the order the README describes them. */
    public static final List<String> AGENT_EVENTS = List.of(CONNECT, ACCEPT, LISTEN, RECEIVE, SEND, RESET, CLOSE, SHUTDOWN,
            SOCKET_OPTION, CLOSE_WAIT_LEAK, LEAK, TCP_INFO, LISTEN_QUEUE, NETWORK_STATISTICS, ENDPOINT_STATISTICS, SAMPLING,
            TRANSPORT);

    /** The agent's events that belong to one socket: they extend {@link ConnectionEvent} and carry its connectionId. */
    public static final List<String> CONNECTION_EVENTS = List.of(CONNECT, ACCEPT, LISTEN, RECEIVE, SEND, RESET, CLOSE, SHUTDOWN,
            SOCKET_OPTION, CLOSE_WAIT_LEAK, LEAK, TCP_INFO, LISTEN_QUEUE);

    private EventNames() {
    }

    /** {@code socktrace.Connect} as {@code Connect}: how summaries and reports print an event; other names unchanged. */
    public static String simpleName(String eventName) {
        return eventName.startsWith(PREFIX) ? eventName.substring(PREFIX.length()) : eventName;
    }
}
