package io.socktrace.correlator.capture;

/** What the decoder made of a packet; only {@link #TCP} packets carry transport fields. */
public enum PacketKind {
    /** IPv4 or IPv6 carrying a TCP header that was captured in full. */
    TCP,
    /** IP carrying another protocol, or a link-layer payload that is not IP at all. */
    NOT_TCP,
    /** A non-first IP fragment: no transport header inside, counted and skipped. */
    FRAGMENT,
    /** Headers cut short by the snap length or malformed (e.g. an IHL below 5). */
    UNDECODABLE
}
