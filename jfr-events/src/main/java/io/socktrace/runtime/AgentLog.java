package io.socktrace.runtime;

import java.util.concurrent.atomic.AtomicLong;

/**
 * socktrace's own diagnostics on stderr. Errors inside the agent are counted and reported with a
 * rate limit, never thrown into the application: advice runs on application threads, inside JDK
 * code, and must not change what the application observes.
 */
public final class AgentLog {

    /** How much the agent says about itself. */
    public enum Level { OFF, ERROR, INFO, DEBUG }

    private static volatile Level level = Level.ERROR;
    private static final AtomicLong errors = new AtomicLong();
    private static final int MAX_REPORTED_ERRORS = 10;

    private AgentLog() {
    }

    public static void setLevel(Level newLevel) {
        level = newLevel;
    }

    public static Level level() {
        return level;
    }

    /** Number of internal errors the agent has swallowed so far. */
    public static long errorCount() {
        return errors.get();
    }

    public static void info(String message) {
        if (level.compareTo(Level.INFO) >= 0) {
            System.err.println("[socktrace] " + message);
        }
    }

    public static void debug(String message) {
        if (level.compareTo(Level.DEBUG) >= 0) {
            System.err.println("[socktrace] " + message);
        }
    }

    /** Reports a problem with the agent's setup; always shown unless logging is off. */
    public static void warn(String message) {
        if (level != Level.OFF) {
            System.err.println("[socktrace] " + message);
        }
    }

    /**
     * Counts an error caught inside the agent. The first few are printed (with a stack trace at
     * debug level); after that only every 1000th, so a failing hot path cannot flood stderr.
     */
    public static void error(String where, Throwable t) {
        long n = errors.incrementAndGet();
        if (level == Level.OFF) {
            return;
        }
        if (n <= MAX_REPORTED_ERRORS || n % 1000 == 0) {
            System.err.println("[socktrace] internal error #" + n + " in " + where + ": " + t
                    + (n == MAX_REPORTED_ERRORS ? " (further errors reported every 1000th)" : ""));
            if (level == Level.DEBUG) {
                t.printStackTrace();
            }
        }
    }

    /** Called by the exception handler of suppressed advice: the advice itself threw. */
    public static void adviceFailed(Throwable t) {
        error("advice", t);
    }
}
