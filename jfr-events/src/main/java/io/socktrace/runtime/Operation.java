package io.socktrace.runtime;

/** The socket operation where something surfaced; the name is what the JFR event records. */
public enum Operation {
    CONNECT, ACCEPT, READ, WRITE, CLOSE
}
