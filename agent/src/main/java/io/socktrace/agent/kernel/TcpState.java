package io.socktrace.agent.kernel;

/**
 * A TCP socket state as the kernel numbers it in the {@code st} column of {@code /proc/net/tcp}
 * ({@code include/net/tcp_states.h}). Public because the sampler reports states by name, and a
 * name is what a reader of a recording can act on; the number alone is not.
 */
public enum TcpState {
    /** A number this enum does not know, so that a newer kernel never breaks sampling. */
    UNKNOWN(0),
    ESTABLISHED(1),
    SYN_SENT(2),
    SYN_RECV(3),
    FIN_WAIT1(4),
    /** Also shown for an orphaned socket that the kernel already turned into a time-wait socket. */
    FIN_WAIT2(5),
    TIME_WAIT(6),
    CLOSE(7),
    /** The peer has closed; this side has not, which is usually the application's leak. */
    CLOSE_WAIT(8),
    LAST_ACK(9),
    LISTEN(10),
    CLOSING(11),
    /** A connection request still in the SYN queue (a "request socket"), listed since Linux 4.4. */
    NEW_SYN_RECV(12);

    // values() clones its array on every call; the parser looks states up once per row.
    private static final TcpState[] BY_KERNEL_VALUE = new TcpState[13];

    static {
        for (TcpState state : values()) {
            BY_KERNEL_VALUE[state.kernelValue] = state;
        }
    }

    private final int kernelValue;

    TcpState(int kernelValue) {
        this.kernelValue = kernelValue;
    }

    /** The number the kernel uses, 0 for {@link #UNKNOWN}. */
    public int kernelValue() {
        return kernelValue;
    }

    /** The state for a kernel number; {@link #UNKNOWN} for 0 or any number this enum does not know. */
    public static TcpState fromKernel(int value) {
        if (value <= 0 || value >= BY_KERNEL_VALUE.length) {
            return UNKNOWN;
        }
        return BY_KERNEL_VALUE[value];
    }
}
