package io.socktrace.demo;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * Command line of the demo application: {@code java -jar socktrace-demo.jar <scenario>...}.
 * It exists so that a socktrace user can provoke each network failure on demand, with or
 * without the agent, and compare what the application was told with what the recording says.
 *
 * <p>Exit status: 0 when every scenario failed the way it is meant to, 1 when an outcome was
 * unexpected, 2 for an unknown scenario.
 */
public final class Demo {

    static final int EXIT_OK = 0;
    static final int EXIT_UNEXPECTED = 1;
    static final int EXIT_USAGE = 2;

    /** The pseudo-scenario that runs every scenario, in order. */
    static final String ALL = "all";

    /** Scenarios end within seconds; this only stops one that hangs from holding up the rest. */
    private static final long SCENARIO_TIMEOUT_MS = 30_000;

    private Demo() {
    }

    public static void main(String[] args) {
        System.exit(run(List.of(args), System.out, System.err));
    }

    /** Runs the command line and returns the exit status, for {@link #main} and for tests. */
    static int run(List<String> args, PrintStream out, PrintStream err) {
        return run(args, Scenarios.all(), out, err);
    }

    /** As {@link #run(List, PrintStream, PrintStream)}, choosing from the given scenarios. */
    static int run(List<String> args, List<Scenario> scenarios, PrintStream out, PrintStream err) {
        if (args.equals(List.of("--list"))) {
            // for scripts: one scenario name per line, in the order "all" runs them
            scenarios.forEach(s -> out.println(s.name()));
            return 0;
        }
        if (args.isEmpty() || args.contains("--help") || args.contains("-h")) {
            printUsage(scenarios, out);
            return EXIT_OK;
        }
        // All names are checked before anything runs: a typo should not cost a long run first.
        List<Scenario> selected = new ArrayList<>();
        for (String arg : args) {
            if (arg.equals(ALL)) {
                selected.addAll(scenarios);
                continue;
            }
            Optional<Scenario> scenario = scenarios.stream().filter(s -> s.name().equals(arg)).findFirst();
            if (scenario.isEmpty()) {
                err.println("socktrace-demo: unknown scenario '" + arg + "'; valid: " + validNames(scenarios));
                return EXIT_USAGE;
            }
            selected.add(scenario.get());
        }

        List<String> failed = new ArrayList<>();
        for (int i = 0; i < selected.size(); i++) {
            Scenario scenario = selected.get(i);
            if (i > 0) {
                out.println();
            }
            if (!runOne(scenario, out)) {
                failed.add(scenario.name());
            }
        }
        out.flush();
        if (!failed.isEmpty()) {
            err.println("socktrace-demo: unexpected outcome in: " + String.join(", ", failed));
            return EXIT_UNEXPECTED;
        }
        return EXIT_OK;
    }

    /**
     * Runs one scenario on a thread named {@code <scenario>-client}, so that a recording shows
     * the client's events under a name that says which scenario caused them.
     */
    private static boolean runOne(Scenario scenario, PrintStream out) {
        out.println("== " + scenario.name() + ": " + scenario.description());
        out.println("   expect: " + scenario.expectation());
        FutureTask<Boolean> task = new FutureTask<>(() -> scenario.run(out));
        Thread client = new Thread(task, scenario.name() + "-client");
        client.setDaemon(true);
        client.start();
        try {
            return task.get(SCENARIO_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            out.println("   UNEXPECTED: " + e.getCause());
        } catch (TimeoutException e) {
            task.cancel(true);
            out.println("   UNEXPECTED: did not end within " + SCENARIO_TIMEOUT_MS + " ms");
        } catch (InterruptedException e) {
            task.cancel(true);
            Thread.currentThread().interrupt();
            out.println("   UNEXPECTED: interrupted");
        }
        return false;
    }

    private static void printUsage(List<Scenario> scenarios, PrintStream out) {
        int width = scenarios.stream().mapToInt(s -> s.name().length()).max().orElse(0);
        width = Math.max(width, ALL.length());
        String row = "  %-" + width + "s  %s%n";
        out.println("usage: java -jar socktrace-demo.jar <scenario> [<scenario>...]");
        out.println();
        out.println("Reproduces network failures on loopback (127.0.0.1, ephemeral ports) so that you");
        out.println("can see what socktrace records. Each scenario ends by itself within seconds.");
        out.println("Exit status: 0 if every failure happened as intended, 1 if not, 2 for a bad argument.");
        out.println();
        out.println("scenarios:");
        for (Scenario scenario : scenarios) {
            out.printf(row, scenario.name(), scenario.description());
        }
        out.printf(row, ALL, "every scenario above, in this order");
    }

    private static String validNames(List<Scenario> scenarios) {
        return scenarios.stream().map(Scenario::name).collect(Collectors.joining(", ")) + ", " + ALL;
    }
}
