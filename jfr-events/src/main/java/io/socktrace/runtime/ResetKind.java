package io.socktrace.runtime;

/** How the application learnt that the connection was aborted; the name is what the JFR event records. */
public enum ResetKind {
    CONNECTION_RESET, BROKEN_PIPE
}
