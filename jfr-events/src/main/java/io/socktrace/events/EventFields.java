package io.socktrace.events;

/**
 * The field names of socktrace's events, declared once for every reader: a JFR field is named
 * after the Java field that declares it, which no annotation can take from a constant, so
 * {@code SchemaTest} checks both ways that every field of every event class has its constant
 * here and every constant names a field. A field renamed in an event class fails that test
 * instead of leaving readers asking for a field that no longer exists. Where events share a
 * meaning they share a name ({@code bytesRead} on Receive, Close, Reset, Leak).
 */
public final class EventFields {

    // every connection event (ConnectionEvent)
    public static final String CONNECTION_ID = "connectionId";
    public static final String HOST = "host";
    public static final String ADDRESS = "address";
    public static final String PORT = "port";
    public static final String LOCAL_ADDRESS = "localAddress";
    public static final String LOCAL_PORT = "localPort";

    // the result of a call
    /** Connect, Accept, Receive and Send: a name of ConnectOutcome, AcceptOutcome, ReceiveOutcome or SendOutcome. */
    public static final String OUTCOME = "outcome";
    /** Close: a name of CloseInitiator. */
    public static final String INITIATOR = "initiator";
    /** Close: a name of CloseEvidence, what decided the initiator. */
    public static final String INITIATOR_EVIDENCE = "initiatorEvidence";
    /** Reset: a name of ResetKind. */
    public static final String KIND = "kind";
    /** Reset: a name of Operation. */
    public static final String OPERATION = "operation";
    public static final String EXCEPTION_CLASS = "exceptionClass";
    public static final String EXCEPTION_MESSAGE = "exceptionMessage";
    /** Reset, Receive, Send: the failure happened inside the JDK (a TLS close) and the application was not told. */
    public static final String HANDLED_BY_JDK = "handledByJdk";
    public static final String TIMEOUT = "timeout";
    public static final String BLOCKING = "blocking";
    public static final String COMMUNITY_ID = "communityId";

    // accept and listen
    public static final String LISTENER_ID = "listenerId";
    public static final String LISTEN_ADDRESS = "listenAddress";
    public static final String LISTEN_PORT = "listenPort";
    public static final String BACKLOG = "backlog";
    public static final String EFFECTIVE_BACKLOG = "effectiveBacklog";
    public static final String QUEUE_LENGTH = "queueLength";
    public static final String FULL = "full";

    // data
    public static final String BYTES_READ = "bytesRead";
    public static final String BYTES_WRITTEN = "bytesWritten";
    public static final String BYTES_REQUESTED = "bytesRequested";
    public static final String UNREAD_BYTES = "unreadBytes";
    public static final String SHORT_WRITES = "shortWrites";
    public static final String END_OF_STREAM = "endOfStream";
    public static final String END_OF_STREAM_SEEN = "endOfStreamSeen";

    // close, shutdown, options
    public static final String CLOSE_WAIT_TIME = "closeWaitTime";
    public static final String LIFETIME = "lifetime";
    public static final String LINGER = "linger";
    public static final String HALF_CLOSE = "halfClose";
    public static final String TCP_STATE_AFTER = "tcpStateAfter";
    public static final String SHUTDOWN_INPUT = "shutdownInput";
    public static final String SHUTDOWN_OUTPUT = "shutdownOutput";
    public static final String OPTION = "option";
    public static final String VALUE = "value";
    public static final String SUCCEEDED = "succeeded";
    public static final String CONNECTION_AGE = "connectionAge";

    // leaks
    public static final String AGE = "age";
    public static final String LISTENING = "listening";
    public static final String OPENING_STACK = "openingStack";

    // the kernel's view of one connection (TcpInfo; rtt and totalRetransmits on Close too)
    /** TcpInfo: the kernel's TCP state, e.g. ESTABLISHED. */
    public static final String STATE = "state";
    public static final String SEND_QUEUE = "sendQueue";
    public static final String RECEIVE_QUEUE = "receiveQueue";
    public static final String RETRANSMIT_TIMEOUTS = "retransmitTimeouts";
    public static final String TIMER = "timer";
    public static final String TIMER_EXPIRES = "timerExpires";
    public static final String RTT = "rtt";
    public static final String TOTAL_RETRANSMITS = "totalRetransmits";

    // the process and the host (NetworkStatistics)
    public static final String OPEN_FILE_DESCRIPTORS = "openFileDescriptors";
    public static final String MAX_FILE_DESCRIPTORS = "maxFileDescriptors";
    public static final String TRACKED_SOCKETS = "trackedSockets";
    public static final String ESTABLISHED = "established";
    public static final String SYN_SENT = "synSent";
    public static final String SYN_RECEIVED = "synReceived";
    public static final String FIN_WAIT1 = "finWait1";
    public static final String FIN_WAIT2 = "finWait2";
    public static final String TIME_WAIT = "timeWait";
    public static final String CLOSE_WAIT = "closeWait";
    public static final String LAST_ACK = "lastAck";
    public static final String CLOSING = "closing";
    public static final String LISTEN_OVERFLOWS = "listenOverflows";
    public static final String LISTEN_DROPS = "listenDrops";
    public static final String RETRANSMITTED_SEGMENTS = "retransmittedSegments";
    public static final String ESTABLISHED_RESETS = "establishedResets";
    public static final String RESETS_SENT = "resetsSent";
    public static final String ACTIVE_OPENS = "activeOpens";
    public static final String PASSIVE_OPENS = "passiveOpens";
    public static final String SAMPLE_COST = "sampleCost";

    // per endpoint (EndpointStatistics)
    /** EndpointStatistics: REMOTE, LISTENER or OTHER. */
    public static final String ROLE = "role";
    public static final String ENDPOINTS = "endpoints";
    public static final String PERIOD = "period";
    public static final String CONNECTS = "connects";
    public static final String CONNECTED = "connected";
    public static final String REFUSED = "refused";
    public static final String TIMED_OUT = "timedOut";
    public static final String UNREACHABLE = "unreachable";
    public static final String UNRESOLVED = "unresolved";
    public static final String INTERRUPTED = "interrupted";
    public static final String NO_LOCAL_PORT = "noLocalPort";
    public static final String TIME_WAIT_CONNECTIONS = "timeWaitConnections";
    public static final String LOCAL_PORTS_IN_USE = "localPortsInUse";
    public static final String LOCAL_PORT_RANGE = "localPortRange";
    public static final String OTHER_CONNECT_FAILURES = "otherConnectFailures";
    public static final String ACCEPTED = "accepted";
    public static final String ACCEPT_FAILURES = "acceptFailures";
    public static final String CONNECT_TIME_TOTAL = "connectTimeTotal";
    public static final String CONNECT_TIME_MAX = "connectTimeMax";
    public static final String CONNECT_TIME_P50 = "connectTimeP50";
    public static final String CONNECT_TIME_P99 = "connectTimeP99";
    /** The latency bucket fields, in the order of {@link #CONNECT_TIME_BUCKET_MICROS}, then the unbounded one. */
    public static final java.util.List<String> CONNECT_TIME_BUCKETS = java.util.List.of("connectsWithin100us", "connectsWithin250us",
            "connectsWithin500us", "connectsWithin1ms", "connectsWithin2500us", "connectsWithin5ms", "connectsWithin10ms",
            "connectsWithin25ms", "connectsWithin50ms", "connectsWithin100ms", "connectsWithin250ms", "connectsWithin500ms",
            "connectsWithin1s", "connectsWithin2500ms", "connectsWithin5s", "connectsWithin10s", "connectsOver10s");
    /**
     * The latency buckets' upper bounds in microseconds, one per field of {@link #CONNECT_TIME_BUCKETS} but the last
     * (unbounded). Here rather than in the event class: the runtime reads them on an application's first connect, and
     * initialising an event class there would initialise JFR on that thread.
     */
    public static final long[] CONNECT_TIME_BUCKET_MICROS = {100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000,
        250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000};
    public static final String RESETS = "resets";
    public static final String CLOSED_LOCAL = "closedLocal";
    public static final String CLOSED_PEER = "closedPeer";
    public static final String CLOSED_ABORT = "closedAbort";
    public static final String CLOSED_AFTER_ERROR = "closedAfterError";
    public static final String LEAKED = "leaked";
    public static final String OPEN_CONNECTIONS = "openConnections";
    public static final String CLOSE_WAIT_CONNECTIONS = "closeWaitConnections";
    public static final String CONNECTIONS_NOT_RECORDED = "connectionsNotRecorded";
    public static final String EVENTS_NOT_RECORDED = "eventsNotRecorded";

    // the sampling in force (Sampling)
    public static final String CONNECTIONS_PER_SECOND = "connectionsPerSecond";
    public static final String ABNORMAL_PER_SECOND = "abnormalPerSecond";
    public static final String SLOW_CONNECT = "slowConnect";
    public static final String LONG_CLOSE_WAIT = "longCloseWait";

    /** Reset: time since the peer's last ACK (TCP_INFO). */
    public static final String SINCE_LAST_ACK = "sinceLastAck";
    /** Reset: keepalive or zero-window probes unanswered (TCP_INFO). */
    public static final String UNANSWERED_PROBES = "unansweredProbes";

    // the transports this JVM uses (Transport)
    public static final String TRANSPORT = "transport";
    public static final String LIBRARY = "library";
    public static final String TRACED = "traced";
    public static final String CONNECTIONS_TRACED = "connectionsTraced";
    public static final String NOTE = "note";

    private EventFields() {
    }
}
