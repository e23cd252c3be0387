package io.socktrace.testsupport;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a JVM run under the real agent printed, checked for the agent's own failures: advice
 * swallows every exception so the application never sees one, and reports it on stderr as
 * {@code [socktrace] internal error #N in …}. A test that starts the agent passes its output here,
 * so a swallowed exception is a red build, while warnings about the user's setup (a bad option, no
 * {@code jdk.jfr}) do not count.
 */
public final class AgentOutput {
    /** The line {@code AgentLog.error} prints, and nothing else the agent prints. */
    public static final Pattern INTERNAL_ERROR = Pattern.compile("^\\[socktrace\\] internal error #\\d+ .*$", Pattern.MULTILINE);

    private AgentOutput() {
    }

    /**
     * Fails, quoting the first such line, the run ({@code command}: its command line, or a few words
     * naming it) and the whole output, if the agent reported an internal error.
     */
    public static void assertNoInternalErrors(Object command, String output) {
        Matcher error = INTERNAL_ERROR.matcher(output);
        if (error.find()) {
            throw new AssertionError("the agent reported an internal error: " + error.group() + "\nin " + command + "\n" + output);
        }
    }
}
