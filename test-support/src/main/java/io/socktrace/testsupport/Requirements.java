package io.socktrace.testsupport;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Skips a test that needs what this machine lacks, with a reason that says what is missing and how
 * to get it, so that {@code mvn -B verify} passes on any machine with a JDK and Maven and says what it
 * did not run. In strict mode ({@value #STRICT_ENV}=1 or {@code -D}{@value #STRICT_PROPERTY}=true, which
 * CI sets) a missing requirement fails the test instead, so CI cannot skip anything unnoticed.
 */
public final class Requirements {
    /** Environment variable that turns skips into failures (CI's .ci/run sets it). */
    public static final String STRICT_ENV = "SOCKTRACE_REQUIRE_ALL";
    /** System property that turns skips into failures, the same as {@link #STRICT_ENV}. */
    public static final String STRICT_PROPERTY = "socktrace.requireAll";

    private Requirements() {
    }

    /**
     * Aborts the calling test (fails it in strict mode) unless every requirement is met; the reason
     * names every missing one at once, so one run tells the whole story.
     */
    public static void require(Requirement... requirements) {
        List<Requirement> missing = Stream.of(requirements).filter(r -> !r.met()).collect(Collectors.toList());
        if (missing.isEmpty()) {
            return;
        }
        String reason = reason(missing);
        if (strict() && !toleratedWhenStrict(reason)) {
            Assertions.fail(reason + " [strict: " + STRICT_ENV + " is set, so a missing requirement fails]");
        }
        Assumptions.abort(reason);
    }

    /** {@link #require} of the command, then where it is: for a test that starts it. */
    public static Path command(String command, String aptPackage) {
        require(Requirement.command(command, aptPackage));
        return Requirement.onPath(command).orElseThrow();
    }

    static String reason(List<Requirement> missing) {
        return "needs " + missing.stream().map(Requirement::name).collect(Collectors.joining(" and ")) + ": "
                + missing.stream().map(Requirement::remedy).collect(Collectors.joining("; "));
    }

    /** Whether strict mode is on, from the environment or a system property. */
    public static boolean strict() {
        String env = System.getenv(STRICT_ENV);
        return (env != null && !env.isEmpty() && !env.equals("0") && !env.equalsIgnoreCase("false"))
                || Boolean.getBoolean(STRICT_PROPERTY);
    }

    /**
     * A test that needs a newer JDK than this one is skipped even in strict mode: CI runs the
     * build on JDK 17 and again on 25, and the second run covers it.
     */
    static boolean toleratedWhenStrict(String reason) {
        return reason.startsWith("needs " + Requirement.JDK_PREFIX) && !reason.contains(" and ");
    }
}
