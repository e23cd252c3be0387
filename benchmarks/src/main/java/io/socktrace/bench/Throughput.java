package io.socktrace.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whole-process overhead harness: runs each {@link Workloads workload} in a fresh JVM under four
 * configurations, interleaved round by round (so drift on a noisy 2-core machine hits them all
 * alike), and reports each configuration's median and min–max as a ratio to "no agent" of the
 * same round. Configurations: no agent; the agent with default settings and a recording; the
 * agent with every socktrace event at threshold 0; the JDK's own jdk.SocketRead/SocketWrite at
 * threshold 0 without the agent (the anchor).
 *
 * <p>A workload that also reports a rate per wall second (the failure storms: their result is
 * per CPU second) gets a second set of rows. With {@code --count-events}, each run that records
 * (every configuration but "no-agent" and "agent-no-recording") keeps its recording, and a second
 * table says per run how many events of each socktrace type (and the JDK's jdk.Socket* types) it
 * holds, its size in bytes, and the operations and seconds of the whole run, warm-up included
 * (what the recording covers): events recorded against the rate of what was done.
 *
 * <p>Usage: {@code Throughput [--quick] [--rounds N] [--warmup S] [--seconds S] [--java JAVA_HOME]
 * [--agent JAR] [--workloads a,b,...] [--configs a,b,...] [--baseline CONFIG] [--old-agent JAR] [--count-events] [--out FILE.md]}. {@code --baseline}
 * takes the ratios against another configuration of the same rounds instead of no agent, e.g.
 * {@code jfr-default}: the agent's default settings against the JDK's default recording, which
 * they replace (both record; socktrace's settings turn the JDK's own socket events off).
 * {@code --old-agent} names a second agent jar (an earlier build) for the configurations
 * {@code old-agent-default} and {@code old-agent-all-events-0}: before and after a change in the
 * same interleaved rounds, which on a shared machine is the only comparison worth quoting.
 */
public final class Throughput {

    private static final Pattern RESULT = Pattern.compile("^result (-?[0-9.]+)$", Pattern.MULTILINE);
    private static final Pattern WALL = Pattern.compile("^wall ([0-9.]+)$", Pattern.MULTILINE);
    private static final Pattern OPERATIONS = Pattern.compile("^operations ([0-9]+)$", Pattern.MULTILINE);
    private static final Pattern SECONDS = Pattern.compile("^seconds ([0-9.]+)$", Pattern.MULTILINE);

    /** A workload as the command line names it, with the arguments it gets after the times. */
    private static final Map<String, String[]> WORKLOADS = new LinkedHashMap<>();

    static {
        WORKLOADS.put("pingpong-1B", new String[] {"pingpong", "1"});
        WORKLOADS.put("pingpong-64B", new String[] {"pingpong", "64"});
        WORKLOADS.put("pingpong-16KiB", new String[] {"pingpong", "16384"});
        WORKLOADS.put("nio-16-clients", new String[] {"nio"});
        // the same two per second of the process's CPU time: what the agent costs, which the wall
        // rate of a loopback round trip on a shared 2-core machine hides in scheduling noise
        WORKLOADS.put("pingpong-1B-cpu", new String[] {"pingpong-cpu", "1"});
        WORKLOADS.put("pingpong-64B-cpu", new String[] {"pingpong-cpu", "64"});
        WORKLOADS.put("nio-16-clients-cpu", new String[] {"nio-cpu"});
        WORKLOADS.put("churn", new String[] {"churn"});
        // connections per second of the process's CPU time (see Workloads.churn)
        WORKLOADS.put("churn-cpu", new String[] {"churn-cpu"});
        WORKLOADS.put("virtual-1000-clients", new String[] {"virtual"});
        // per call, on CPU time: four calls per operation, one thread (see Workloads.callsPerCpuSecond)
        WORKLOADS.put("calls-64B-cpu", new String[] {"calls-cpu", "64"});
        // the same, 40 frames deeper: JFR's stack walk is per frame, and applications' stacks are deep
        WORKLOADS.put("calls-64B-cpu-depth40", new String[] {"calls-cpu-deep", "64", "40"});
        // failure storms, per CPU second and per wall second of one run (see Workloads.refusedStorm, resetStorm)
        WORKLOADS.put("refused-storm", new String[] {"refused-storm"});
        WORKLOADS.put("reset-storm", new String[] {"reset-storm"});
        // Netty's native epoll transport (gRPC's default), traced through its own Java layer: per CPU second
        WORKLOADS.put("netty-epoll-pingpong-64B-cpu", new String[] {"netty-epoll-pingpong", "64"});
        WORKLOADS.put("netty-epoll-churn-cpu", new String[] {"netty-epoll-churn"});
    }

    /** Configurations run by default; "no-agent" must come first (the ratios' denominator). */
    private static final List<String> DEFAULT_CONFIGS = List.of("no-agent", "agent-default", "agent-all-events-0", "jdk-events-0");

    /**
     * Configurations that can be asked for with --configs besides the default ones:
     * "jfr-default" is a recording with the JDK's own default.jfc and no agent, the floor of what
     * any recording costs; "agent-no-recording" is the agent installed with no recording running.
     */
    private static final List<String> EXTRA_CONFIGS = List.of("jfr-default", "agent-no-recording");

    private Throughput() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = 3;
        // C2 compiles the woven socket methods with JFR's event writers inlined late and slowly
        // (0.4-1 s of one core each, up to ~21 s into a churn run on this machine: a chunk
        // rotation and the first kernel samples take branches not taken before, and the methods
        // are compiled again); measuring before that counts the compiler's work against the
        // agent. NaN: each workload's default.
        double warmup = Double.NaN;
        double seconds = Double.NaN;
        Path java = Paths.get(System.getProperty("java.home"));
        Path agent = Paths.get("agent/target/socktrace-agent.jar");
        List<String> workloads = new ArrayList<>(WORKLOADS.keySet());
        List<String> configs = DEFAULT_CONFIGS;
        Path out = null;
        String baseline = "no-agent";
        Path oldAgent = null;
        boolean countEvents = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick":
                    rounds = 1;
                    warmup = 0.5;
                    seconds = 1;
                    break;
                case "--rounds":
                    rounds = Integer.parseInt(args[++i]);
                    break;
                case "--warmup":
                    warmup = Double.parseDouble(args[++i]);
                    break;
                case "--seconds":
                    seconds = Double.parseDouble(args[++i]);
                    break;
                case "--java":
                    java = Paths.get(args[++i]);
                    break;
                case "--agent":
                    agent = Paths.get(args[++i]);
                    break;
                case "--workloads":
                    workloads = Arrays.asList(args[++i].split(","));
                    break;
                case "--configs":
                    configs = new ArrayList<>();
                    configs.add("no-agent");
                    for (String config : args[++i].split(",")) {
                        String known = config.startsWith("old-") ? config.substring(4) : config;
                        if (!DEFAULT_CONFIGS.contains(known) && !EXTRA_CONFIGS.contains(known)) {
                            System.err.println("throughput: unknown configuration " + config + " (known: " + DEFAULT_CONFIGS + " and "
                                    + EXTRA_CONFIGS + ")");
                            System.exit(2);
                        }
                        if (!configs.contains(config)) {
                            configs.add(config);
                        }
                    }
                    break;
                case "--old-agent":
                    oldAgent = Paths.get(args[++i]);
                    break;
                case "--baseline":
                    baseline = args[++i];
                    break;
                case "--out":
                    out = Paths.get(args[++i]);
                    break;
                case "--count-events":
                    countEvents = true;
                    break;
                default:
                    System.err.println("throughput: unknown option " + args[i]);
                    System.exit(2);
            }
        }
        if (oldAgent == null && configs.stream().anyMatch(c -> c.startsWith("old-"))) {
            System.err.println("throughput: old-... configurations need --old-agent JAR");
            System.exit(2);
        }
        if (!configs.contains(baseline)) {
            System.err.println("throughput: the baseline " + baseline + " is not among the configurations " + configs);
            System.exit(2);
        }
        int base = configs.indexOf(baseline);
        for (String w : workloads) {
            if (!WORKLOADS.containsKey(w)) {
                System.err.println("throughput: unknown workload " + w + " (known: " + WORKLOADS.keySet() + ")");
                System.exit(2);
            }
        }
        if (!Files.isRegularFile(agent)) {
            System.err.println("throughput: no agent jar at " + agent + " (build first: mvn -B -DskipTests install)");
            System.exit(2);
        }
        Path work = Files.createTempDirectory("socktrace-bench");
        Path jdkJfc = jdkSocketEventsAtZero(java, work);
        allEventsJfc = everyConnection(java, agent, work);
        String classes = Paths.get(Workloads.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        String version = javaVersion(java);

        StringBuilder report = new StringBuilder();
        report.append(String.format(Locale.ROOT, "%s, %d round(s), %s s warm-up + %s s measured per run%n%n", version, rounds,
                Double.isNaN(warmup) ? "8 (churn and storms: 30)" : String.format(Locale.ROOT, "%.1f", warmup),
                Double.isNaN(seconds) ? "3 (churn and storms: 10)" : String.format(Locale.ROOT, "%.1f", seconds)));
        report.append("| workload | configuration | median ops/s | ratio to " + baseline.replace('-', ' ') + ": median | min – max |\n");
        report.append("|---|---|---:|---:|---|\n");
        StringBuilder recorded = new StringBuilder();
        for (String workload : workloads) {
            double[][] values = new double[configs.size()][rounds];
            double[][] walls = new double[configs.size()][rounds];
            for (int round = 0; round < rounds; round++) {
                for (int c = 0; c < configs.size(); c++) {
                    List<String> command = new ArrayList<>();
                    command.add(java.resolve("bin/java").toString());
                    String config = configs.get(c);
                    command.addAll(config.startsWith("old-")
                            ? configArguments(config.substring(4), oldAgent.toAbsolutePath(), jdkJfc, work.resolve(c + ".jfr"))
                            : configArguments(config, agent.toAbsolutePath(), jdkJfc, work.resolve(c + ".jfr")));
                    command.add("-cp");
                    command.add(classes);
                    command.add(Workloads.class.getName());
                    String[] w = WORKLOADS.get(workload);
                    command.add(w[0]);
                    command.add(Double.toString(Double.isNaN(warmup) ? defaultWarmup(workload) : warmup));
                    command.add(Double.toString(Double.isNaN(seconds) ? defaultSeconds(workload) : seconds));
                    command.addAll(Arrays.asList(w).subList(1, w.length));
                    Path recording = work.resolve(c + ".jfr");
                    Files.deleteIfExists(recording);
                    String output = run(command, work);
                    values[c][round] = number(RESULT, output, Double.NaN);
                    walls[c][round] = number(WALL, output, Double.NaN);
                    System.err.printf(Locale.ROOT, "%s round %d %-20s %.0f%n", workload, round + 1, configs.get(c), values[c][round]);
                    if (countEvents && Files.isRegularFile(recording)) {
                        RecordedEvents.Contents contents = RecordedEvents.read(recording);
                        recorded.append(String.format(Locale.ROOT, "| %s | %s | %d | %.0f | %.1f | %d | %s | %s |%n", workload, configs.get(c),
                                round + 1, number(OPERATIONS, output, Double.NaN), number(SECONDS, output, Double.NaN),
                                Files.size(recording), RecordedEvents.describe(contents.counts),
                                contents.counted == null ? "" : contents.counted));
                    }
                }
            }
            if (values[0][0] < 0) {
                report.append("| ").append(workload).append(" | (needs JDK 21+) | | | |\n");
                continue;
            }
            boolean wall = !Double.isNaN(walls[0][0]);
            appendRows(report, wall ? workload + " (per CPU s)" : workload, configs, values, base);
            if (wall) {
                appendRows(report, workload + " (per wall s)", configs, walls, base);
            }
        }
        if (countEvents) {
            report.append("\nWhat each recording holds (the whole run, warm-up included):\n\n");
            report.append("| workload | configuration | round | operations | seconds | recording bytes | events | EndpointStatistics counted |\n");
            report.append("|---|---|---:|---:|---:|---:|---|---|\n");
            report.append(recorded);
        }
        System.out.print(report);
        if (out != null) {
            Files.writeString(out, report.toString());
        }
    }

    private static void appendRows(StringBuilder report, String label, List<String> configs, double[][] values, int base) {
        int rounds = values[0].length;
        for (int c = 0; c < configs.size(); c++) {
            double[] ratios = new double[rounds];
            for (int round = 0; round < rounds; round++) {
                ratios[round] = values[c][round] / values[base][round];
            }
            report.append(String.format(Locale.ROOT, "| %s | %s | %.0f | %.3f | %.3f – %.3f |%n", label, configs.get(c),
                    median(values[c]), median(ratios), min(ratios), max(ratios)));
        }
    }

    private static boolean storm(String workload) {
        return workload.endsWith("-storm");
    }

    /**
     * Seconds of warm-up: churn's socket methods are compiled last (fewer calls per second), and
     * so are the storms' (a profile of reset-storm under the agent on a loaded machine still
     * spent a third of the process's CPU in the JIT 30 s in).
     */
    private static double defaultWarmup(String workload) {
        return workload.startsWith("churn") || storm(workload) ? 30 : 8;
    }

    /**
     * Seconds measured: churn's a whole period of the kernel sampler (10 s), whose /proc read grows
     * with the TIME_WAIT rows churn leaves; a shorter window holds a sample or none by chance.
     */
    private static double defaultSeconds(String workload) {
        return workload.startsWith("churn") || storm(workload) ? 10 : 3;
    }

    private static List<String> configArguments(String config, Path agent, Path jdkJfc, Path recording) {
        switch (config) {
            case "no-agent":
                return List.of();
            case "agent-default":
                return List.of("-javaagent:" + agent + "=recording=" + recording);
            case "agent-all-events-0":
                // every event: sampling and the abnormal rate off too, not only the read/write thresholds
                return List.of("-javaagent:" + agent + "=recording=" + recording + ",settings=" + allEventsJfc
                        + ",receiveThreshold=0,sendThreshold=0");
            case "jdk-events-0":
                return List.of("-XX:StartFlightRecording:settings=" + jdkJfc + ",filename=" + recording);
            case "jfr-default":
                return List.of("-XX:StartFlightRecording:settings=default,filename=" + recording);
            case "agent-no-recording":
                return List.of("-javaagent:" + agent);
            default:
                throw new IllegalArgumentException(config);
        }
    }

    /**
     * The JDK's default.jfc with jdk.SocketRead and jdk.SocketWrite at threshold 0 and not throttled:
     * the JDK's own socket tracing, fully on.
     */
    /** The .jfc for {@code agent-all-events-0}; written once per run by {@link #everyConnection}. */
    private static Path allEventsJfc;

    /**
     * socktrace's default settings (the agent's own {@code settings} command, on the JDK under
     * test) with sampling off: every connection and every event recorded, the JDK's socket events
     * off as by default, so that "every event at 0" compares with "the JDK's events at 0" alone.
     */
    static Path everyConnection(Path java, Path agent, Path dir) throws IOException, InterruptedException {
        Path file = dir.resolve("socktrace-every-connection.jfc");
        Process p = new ProcessBuilder(java.resolve("bin/java").toString(), "-jar", agent.toAbsolutePath().toString(), "settings")
                .redirectErrorStream(true).redirectOutput(file.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("could not write socktrace's settings with " + java + ": " + Files.readString(file));
        }
        String jfc = Files.readString(file);
        for (String setting : new String[] {"connections", "abnormal"}) {
            String on = "<setting name=\"" + setting + "\">100/s</setting>";
            if (!jfc.contains(on)) {
                throw new IOException("no " + on + " in socktrace's settings");
            }
            jfc = jfc.replace(on, "<setting name=\"" + setting + "\">off</setting>");
        }
        Files.writeString(file, jfc);
        return file;
    }

    public static Path jdkSocketEventsAtZero(Path java, Path dir) throws IOException {
        String jfc = Files.readString(java.resolve("lib/jfr/default.jfc"));
        for (String event : new String[] {"jdk.SocketRead", "jdk.SocketWrite"}) {
            int start = jfc.indexOf("<event name=\"" + event + "\">");
            int end = jfc.indexOf("</event>", start);
            if (start < 0 || end < 0) {
                throw new IOException("no " + event + " in " + java.resolve("lib/jfr/default.jfc"));
            }
            // JDK 25's default.jfc also throttles them to 100 events/s: off, so that every call is recorded
            String block = jfc.substring(start, end).replaceAll("(<setting name=\"threshold\"[^>]*>)[^<]*(</setting>)", "$10 ms$2")
                    .replaceAll("(<setting name=\"throttle\"[^>]*>)[^<]*(</setting>)", "$1off$2");
            jfc = jfc.substring(0, start) + block + jfc.substring(end);
        }
        Path file = dir.resolve("jdk-socket-events-0.jfc");
        Files.writeString(file, jfc);
        return file;
    }

    /** The run's output: its result line and, from some workloads, more (wall, operations, seconds). */
    private static String run(List<String> command, Path work) throws IOException, InterruptedException {
        Path log = work.resolve("run.log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + command);
        }
        String text = Files.readString(log);
        Matcher m = RESULT.matcher(text);
        if (p.exitValue() != 0 || !m.find()) {
            throw new IOException("run failed (" + p.exitValue() + "): " + command + "\n" + text);
        }
        return text;
    }

    private static double number(Pattern line, String output, double otherwise) {
        Matcher m = line.matcher(output);
        return m.find() ? Double.parseDouble(m.group(1)) : otherwise;
    }

    private static String javaVersion(Path java) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(java.resolve("bin/java").toString(), "-version").redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return text.lines().findFirst().orElse("java").trim();
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }

    private static double max(double[] v) {
        return Arrays.stream(v).max().orElse(Double.NaN);
    }
}
