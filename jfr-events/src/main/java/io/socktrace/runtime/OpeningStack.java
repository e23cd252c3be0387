package io.socktrace.runtime;

/**
 * Where a socket was opened, kept for the leak events. A Throwable because the JVM captures its
 * stack natively and cheaply and turns it into StackTraceElements only when asked, which for a
 * leak is rarely and long after the connect.
 */
final class OpeningStack extends Throwable {

    private static final long serialVersionUID = 1L;
    private static final int MAX_FRAMES = 24;

    OpeningStack() {
        super(null, null, false, true);
    }

    /** The stack from the application's call inwards, without the agent's own frames. */
    String format() {
        StackTraceElement[] frames = getStackTrace();
        StringBuilder b = new StringBuilder();
        int shown = 0;
        for (StackTraceElement f : frames) {
            if (f.getClassName().startsWith("io.socktrace.runtime.")) {
                continue;
            }
            if (shown == MAX_FRAMES) {
                b.append("...\n");
                break;
            }
            b.append(f.getClassName()).append('.').append(f.getMethodName()).append('(')
                    .append(f.getFileName() == null ? "Unknown Source" : f.getFileName());
            if (f.getLineNumber() >= 0) {
                b.append(':').append(f.getLineNumber());
            }
            b.append(")\n");
            shown++;
        }
        return b.toString();
    }
}
