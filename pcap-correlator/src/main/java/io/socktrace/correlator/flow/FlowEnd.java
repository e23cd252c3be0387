package io.socktrace.correlator.flow;

/** Why a {@link FlowTracker} handed a flow to its sink. */
public enum FlowEnd {
    /** FIN both ways or a RST, and nothing more arrived for a while. */
    FINISHED,
    /** A new SYN on the same 4-tuple after the flow had finished or gone idle. */
    PORT_REUSED,
    /** No packet for longer than the idle timeout. */
    IDLE,
    /** The capture ended with the flow still open. */
    END_OF_CAPTURE
}
