package io.socktrace.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The command line contract that the launcher script and users rely on; runs no sockets. */
class DemoCommandLineTest {

    /** Scenario names in the order README.md lists them ("Demo scenarios"). */
    private static final List<String> README_ORDER = List.of("refused", "connect-timeout", "not-accepting",
            "reset", "broken-pipe", "slow-reader", "read-timeout", "close-wait", "fd-exhaustion", "peer-vanished", "port-exhaustion", "leak", "abort",
            "nio", "async", "virtual-threads");

    @Test
    void noArgumentPrintsUsageWithEveryScenario() {
        DemoOutput run = DemoOutput.run();

        assertThat(run.exitCode).isZero();
        assertThat(run.err).isEmpty();
        assertThat(run.out).startsWith("usage: java -jar socktrace-demo.jar <scenario>");
        for (Scenario scenario : Scenarios.all()) {
            assertThat(run.out).containsPattern("(?m)^  " + scenario.name() + " +"
                    + Pattern.quote(scenario.description()) + "$");
        }
        assertThat(run.out).containsPattern("(?m)^  all +\\S");
    }

    @Test
    void listPrintsEveryScenarioNameInOrder() {
        DemoOutput run = DemoOutput.run("--list");
        assertThat(run.exitCode).isZero();
        assertThat(run.out.lines()).containsExactlyElementsOf(Scenarios.all().stream().map(Scenario::name).toList());
    }

    @Test
    void helpPrintsTheSameUsage() {
        assertThat(DemoOutput.run("--help").out).isEqualTo(DemoOutput.run().out);
        assertThat(DemoOutput.run("--help").exitCode).isZero();
    }

    @Test
    void unknownScenarioIsOneLineOnStderrAndRunsNothing() {
        DemoOutput run = DemoOutput.run("refused", "bogus");

        assertThat(run.exitCode).isEqualTo(2);
        assertThat(run.out).isEmpty();
        assertThat(run.err.lines()).singleElement().satisfies(line -> {
            assertThat(line).contains("'bogus'");
            Scenarios.all().forEach(s -> assertThat(line).contains(s.name()));
            assertThat(line).contains("all");
        });
    }

    @Test
    void scenariosAreUniqueAndInDesignOrder() {
        List<String> names = Scenarios.all().stream().map(Scenario::name).toList();

        assertThat(names).doesNotHaveDuplicates().isSubsetOf(README_ORDER);
        assertThat(names).isSortedAccordingTo((a, b) -> README_ORDER.indexOf(a) - README_ORDER.indexOf(b));
    }

    @Test
    void everyScenarioOfTheDesignExists() {
        assertThat(Scenarios.all().stream().map(Scenario::name).toList()).containsExactlyElementsOf(README_ORDER);
    }

    @Test
    void unexpectedOutcomeOrFailedSetupExitsWithOne() {
        Scenario fails = new FakeScenario("fails", out -> false);
        Scenario throwsUp = new FakeScenario("throws", out -> {
            throw new IOException("setup broke");
        });
        Scenario fine = new FakeScenario("fine", out -> true);

        DemoOutput run = DemoOutput.run(List.of(fails, throwsUp, fine), "all");

        assertThat(run.exitCode).isEqualTo(1);
        assertThat(run.out).contains("   UNEXPECTED: java.io.IOException: setup broke");
        assertThat(run.sections()).containsOnlyKeys("fails", "throws", "fine");
        assertThat(run.err.strip()).isEqualTo("socktrace-demo: unexpected outcome in: fails, throws");
    }

    @Test
    void scenarioRunsOnAThreadNamedAfterIt() {
        Scenario named = new FakeScenario("named", out -> {
            out.println("   thread " + Thread.currentThread().getName());
            return true;
        });

        DemoOutput run = DemoOutput.run(List.of(named), "named");

        assertThat(run.exitCode).isZero();
        assertThat(run.out).contains("   thread named-client");
    }

    /** A stand-in that needs no sockets, to test the runner alone. */
    private record FakeScenario(String name, Body body) implements Scenario {

        interface Body {
            boolean run(PrintStream out) throws Exception;
        }

        @Override
        public String description() {
            return "fake " + name;
        }

        @Override
        public String expectation() {
            return "nothing";
        }

        @Override
        public boolean run(PrintStream out) throws Exception {
            return body.run(out);
        }
    }
}
