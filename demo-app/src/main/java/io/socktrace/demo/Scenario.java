package io.socktrace.demo;

import java.io.PrintStream;

/**
 * One reproducible network failure. Each failure the agent must explain gets its own small
 * implementation, so that adding a scenario means writing one class and registering it in
 * {@link Scenarios}, without touching the command line or the other scenarios.
 *
 * <p>A scenario uses loopback only, ends by itself within a few seconds, and reports every
 * socket it opened, so that a user (or an integration test) can find its connections in a
 * recording or a packet capture by their 4-tuple.
 */
public interface Scenario {

    /** The name given on the command line, e.g. {@code reset}. */
    String name();

    /** What the scenario does, in one line. */
    String description();

    /** What a socktrace user should see in the recording, in one line. */
    String expectation();

    /**
     * Reproduces the failure and prints the socket, target and result lines (the caller has
     * printed the header already). The failure itself is expected and reported, not thrown.
     *
     * @return {@code false} if the outcome was not the one this scenario exists to show (an
     *         {@code UNEXPECTED} line has been printed then)
     * @throws Exception if setting the scenario up failed, which is unexpected as well
     */
    boolean run(PrintStream out) throws Exception;
}
