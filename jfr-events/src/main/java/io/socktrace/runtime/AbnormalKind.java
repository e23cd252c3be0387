package io.socktrace.runtime;

/** The kinds of abnormal event that are rate-limited apart, per endpoint: a refused storm must not silence resets. */
enum AbnormalKind {
    CONNECT, ACCEPT, RECEIVE, SEND, RESET, CLOSE, LEAK
}
