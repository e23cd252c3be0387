package io.socktrace.runtime;

/** How a read ended; the name is what the JFR event records. */
public enum ReceiveOutcome {
    OK, EOF, TIMED_OUT, RESET, PEER_VANISHED, CLOSED, ERROR
}
