package io.socktrace.agent.kernel;

/**
 * Which timer the kernel has pending for a socket: the {@code tr} column of {@code /proc/net/tcp}.
 * Public because a pending retransmit or zero-window probe timer is the sampler's evidence of a
 * stalled connection, and it reports the kind by a readable {@link #label()}.
 */
public enum TimerKind {
    NONE(0, "none"),
    /** Retransmission, also the tail-loss probe and a SYN-ACK retransmission of a request socket. */
    RETRANSMIT(1, "retransmit"),
    /** The socket timer: keepalive for an established socket (also SYN_SENT and FIN_WAIT2 timeouts). */
    KEEPALIVE(2, "keepalive"),
    /** A time-wait socket's expiry (TIME_WAIT, or FIN_WAIT2 after the application closed). */
    TIME_WAIT(3, "time-wait"),
    /** The peer advertised a zero window and this side is probing it. */
    ZERO_WINDOW_PROBE(4, "zero-window-probe"),
    /** A number this enum does not know. */
    UNKNOWN(-1, "unknown");

    private final int kernelValue;
    private final String label;

    TimerKind(int kernelValue, String label) {
        this.kernelValue = kernelValue;
        this.label = label;
    }

    /** The number in the {@code tr} column, -1 for {@link #UNKNOWN}. */
    public int kernelValue() {
        return kernelValue;
    }

    /** A lower-case name fit for an event field: "none", "retransmit", "keepalive", "time-wait", "zero-window-probe". */
    public String label() {
        return label;
    }

    /** The kind for a {@code tr} value; {@link #UNKNOWN} for any number this enum does not know. */
    public static TimerKind fromKernel(int value) {
        switch (value) {
            case 0:
                return NONE;
            case 1:
                return RETRANSMIT;
            case 2:
                return KEEPALIVE;
            case 3:
                return TIME_WAIT;
            case 4:
                return ZERO_WINDOW_PROBE;
            default:
                return UNKNOWN;
        }
    }
}
