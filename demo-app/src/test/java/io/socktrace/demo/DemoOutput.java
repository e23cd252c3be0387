package io.socktrace.demo;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs the demo in-process and splits what it printed into one section per scenario. */
final class DemoOutput {

    /** The pattern the integration tests use for socket lines. */
    static final Pattern SOCKET = Pattern.compile("^   socket (\\S+) (\\S+):(\\d+) -> (\\S+):(\\d+)$");
    static final Pattern TARGET = Pattern.compile("^   target (\\S+) (\\S+):(\\d+)$");
    static final Pattern LISTEN = Pattern.compile("^   listen (\\S+) (\\S+):(\\d+)$");
    private static final Pattern ELAPSED = Pattern.compile("after (\\d+) (ms|us)");

    final int exitCode;
    final String out;
    final String err;

    private DemoOutput(int exitCode, String out, String err) {
        this.exitCode = exitCode;
        this.out = out;
        this.err = err;
    }

    static DemoOutput run(List<Scenario> scenarios, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exitCode = Demo.run(List.of(args), scenarios, print(out), print(err));
        return new DemoOutput(exitCode, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static DemoOutput run(String... args) {
        return run(Scenarios.all(), args);
    }

    /** The lines of each scenario, header included, keyed by scenario name in output order. */
    Map<String, List<String>> sections() {
        Map<String, List<String>> sections = new LinkedHashMap<>();
        List<String> current = null;
        for (String line : out.split("\n", -1)) {
            if (line.startsWith("== ")) {
                current = new ArrayList<>();
                sections.put(line.substring(3, line.indexOf(':')), current);
            }
            if (current != null && !line.isEmpty()) {
                current.add(line);
            }
        }
        return sections;
    }

    /** The one result line of a role, e.g. {@code "client"}. */
    static String result(List<String> section, String role) {
        return section.stream().filter(l -> l.startsWith("   " + role + ": ")).findFirst()
                .orElseThrow(() -> new AssertionError("no result line for " + role + " in " + section));
    }

    /** Every result line of a role, in order, for roles that report more than once. */
    static List<String> results(List<String> section, String role) {
        return section.stream().filter(l -> l.startsWith("   " + role + ": ")).toList();
    }

    /** The first duration in a line, in milliseconds. */
    static double elapsedMillis(String line) {
        Matcher m = ELAPSED.matcher(line);
        if (!m.find()) {
            throw new AssertionError("no duration in: " + line);
        }
        long value = Long.parseLong(m.group(1));
        return m.group(2).equals("ms") ? value : value / 1000.0;
    }

    private static PrintStream print(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }
}
