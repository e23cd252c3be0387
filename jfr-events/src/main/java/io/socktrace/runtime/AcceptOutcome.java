package io.socktrace.runtime;

/** How a call to accept ended; the name is what the JFR event records. */
public enum AcceptOutcome {
    ACCEPTED, TIMED_OUT, TOO_MANY_OPEN_FILES, CLOSED, ERROR
}
