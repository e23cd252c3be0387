package io.socktrace.demo;

import java.util.List;

/**
 * The registry of scenarios, in the order README.md lists them ("Demo scenarios"). The order matters: {@code all} runs
 * them in this order and the usage text lists them in it, so users and tests can rely on it.
 */
final class Scenarios {

    private static final List<Scenario> SCENARIOS = List.of(
            new RefusedScenario(),
            new ConnectTimeoutScenario(),
            new NotAcceptingScenario(),
            new ResetScenario(),
            new BrokenPipeScenario(),
            new SlowReaderScenario(),
            new ReadTimeoutScenario(),
            new CloseWaitScenario(),
            new FdExhaustionScenario(),
            NetnsScenario.peerVanished(),
            NetnsScenario.portExhaustion(),
            new LeakScenario(),
            new AbortScenario(),
            new NioScenario(),
            new AsyncScenario(),
            new VirtualThreadsScenario());

    private Scenarios() {
    }

    static List<Scenario> all() {
        return SCENARIOS;
    }
}
