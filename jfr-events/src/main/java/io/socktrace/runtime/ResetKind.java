package io.socktrace.runtime;

/** How the application learnt that the connection was aborted; the name is what the JFR event records. */
public enum ResetKind {
    CONNECTION_RESET, BROKEN_PIPE,
    /**
     * The kernel gave up on a peer that stopped answering, neither closing nor resetting (a host
     * crash, a pulled cable, a firewall dropping): its retransmissions or keepalive probes went
     * unanswered ("Connection timed out"), or a router said the host is gone ("No route to host").
     */
    PEER_VANISHED
}
