package io.socktrace.runtime;

/** How a write ended; the name is what the JFR event records. */
public enum SendOutcome {
    OK, PARTIAL, WOULD_BLOCK, BROKEN_PIPE, RESET, PEER_VANISHED, CLOSED, ERROR
}
