package io.socktrace.runtime;

/**
 * What decided a Close's initiator; the name is what the event's {@code initiatorEvidence}
 * records. The application's reads say who closed first only when it read the end of stream; a
 * client that closes after the peer's FIN arrived but without reading it (HTTP clients after
 * {@code Connection: close} do) looks like the first to close unless the kernel is asked. The
 * kernel is asked with one poll(2) at close, which replaces the FIONREAD that tells an abort.
 */
public enum CloseEvidence {
    /** PEER: the application read the peer's end of stream before its close. */
    END_OF_STREAM(CloseInitiator.PEER),
    /** PEER: the kernel held the peer's FIN, unread, when the application closed; the time in CLOSE_WAIT is unknown. */
    FIN_UNREAD(CloseInitiator.PEER),
    /** PEER: the JDK's TLS close met a broken pipe or reset: the peer's socket was gone before ours. */
    TLS_CLOSE(CloseInitiator.PEER),
    /** LOCAL: the kernel had no FIN from the peer when the application closed. */
    NO_FIN(CloseInitiator.LOCAL),
    /** LOCAL: the application's shutdownOutput sent our FIN before the peer's end of stream. */
    SHUTDOWN_OUTPUT(CloseInitiator.LOCAL),
    /** LOCAL as far as the application's reads tell: the kernel could not be asked. */
    READS_ONLY(CloseInitiator.LOCAL),
    /**
     * LOCAL: this side's TLS close went first, and the JDK closed the socket without reading the
     * peer's answer (its close_notify, {@code unreadBytes}), which arrived during that close: the
     * kernel sent RST for it, but nothing the application did or was told. Not an abort.
     */
    TLS_ANSWER_UNREAD(CloseInitiator.LOCAL),
    /** ABORT: SO_LINGER 0. */
    LINGER_ZERO(CloseInitiator.ABORT),
    /** ABORT: input left unread at close; the kernel answers it with RST. */
    UNREAD_INPUT(CloseInitiator.ABORT),
    /** AFTER_ERROR: the connection had been reset or broken before. */
    ERROR(CloseInitiator.AFTER_ERROR);

    public final CloseInitiator initiator;

    CloseEvidence(CloseInitiator initiator) {
        this.initiator = initiator;
    }
}
