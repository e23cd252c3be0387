package io.socktrace.runtime;

/**
 * Reads TCP_INFO for a descriptor. The agent installs one on JDK 22+ when native access is enabled
 * (the foreign-function API lives outside this boot-loaded, Java 17 runtime); otherwise there is
 * none and the fields that need it stay empty.
 */
public interface TcpInfoProbe {

    /**
     * Fills {@code out[0]} with the smoothed RTT in microseconds, {@code out[1]} with total
     * retransmits, and where {@code out} has room: {@code out[2]} the milliseconds since the peer's
     * last ACK, {@code out[3]} the probes (keepalive or zero-window) sent and not answered.
     */
    boolean read(int fd, long[] out);
}
