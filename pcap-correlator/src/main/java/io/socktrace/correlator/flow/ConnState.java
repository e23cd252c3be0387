package io.socktrace.correlator.flow;

/**
 * Zeek's {@code conn_state} of a TCP connection, computed from what the capture showed. The
 * meanings are Zeek's, as documented for the {@code conn_state} field of {@code Conn::Info}
 * (https://docs.zeek.org/en/master/scripts/base/protocols/conn/main.zeek.html); "originator" is
 * our client (the SYN sender), "responder" our server. {@link TcpFlow#connState()} derives the
 * state from the two endpoints' last states the way Zeek's {@code conn_state} function does.
 */
public enum ConnState {
    /** Connection attempt seen, no reply. */
    S0,
    /** Connection established, not terminated. */
    S1,
    /** Normal establishment and termination. */
    SF,
    /** Connection attempt rejected. */
    REJ,
    /** Connection established and close attempt by originator seen (but no reply from responder). */
    S2,
    /** Connection established and close attempt by responder seen (but no reply from originator). */
    S3,
    /** Connection established, originator aborted (sent a RST). */
    RSTO,
    /** Responder sent a RST. */
    RSTR,
    /** Originator sent a SYN followed by a RST, we never saw a SYN-ACK from the responder. */
    RSTOS0,
    /** Responder sent a SYN ACK followed by a RST, we never saw a SYN from the (purported) originator. */
    RSTRH,
    /** Originator sent a SYN followed by a FIN, we never saw a SYN ACK from the responder (hence the connection was "half" open). */
    SH,
    /** Responder sent a SYN ACK followed by a FIN, we never saw a SYN from the originator. */
    SHR,
    /** No SYN seen, just midstream traffic (one example of this is a "partial connection" that was not later closed). */
    OTH
}
