package io.socktrace.runtime;

/** Who ended a connection, judged from what this side saw before close; the name is what the JFR event records. */
public enum CloseInitiator {
    LOCAL, PEER, ABORT, AFTER_ERROR
}
