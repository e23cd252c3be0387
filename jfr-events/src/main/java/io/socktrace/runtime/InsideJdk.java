package io.socktrace.runtime;

/**
 * Whether the current thread is inside a JDK method that catches the socket failures it meets and
 * does not pass them on: today {@code SSLSocketImpl.close()}, which writes its close_notify alert
 * (and may read the peer's) and ignores any IOException. A broken pipe or a reset there is what
 * the socket did, but not what the application was told: it must not look like a failing
 * connection (see {@link Tracing#noteReset}).
 *
 * <p>A depth per thread, touched only by that advice (a TLS close, a few per connection) and read
 * only on the failure paths.
 */
final class InsideJdk {

    private static final ThreadLocal<int[]> TLS_CLOSE = ThreadLocal.withInitial(() -> new int[1]);

    private InsideJdk() {
    }

    static void enterTlsClose() {
        TLS_CLOSE.get()[0]++;
    }

    static void exitTlsClose() {
        int[] depth = TLS_CLOSE.get();
        if (depth[0] > 0) {
            depth[0]--;
        }
    }

    /** The current thread is inside a JDK method that handles socket failures itself. */
    static boolean handling() {
        return TLS_CLOSE.get()[0] > 0;
    }
}
