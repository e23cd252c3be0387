package io.socktrace.runtime;

/** How a connect attempt ended; the name is what the JFR event records. */
public enum ConnectOutcome {
    CONNECTED, REFUSED, TIMED_OUT, UNREACHABLE, UNRESOLVED, INTERRUPTED, CLOSED, NO_LOCAL_PORT, ERROR
}
