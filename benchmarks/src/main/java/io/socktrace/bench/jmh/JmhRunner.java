package io.socktrace.bench.jmh;

import io.socktrace.bench.Throughput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link SocketCallBenchmark} with JMH once per configuration (JMH forks a JVM with the
 * configuration's arguments), and prints nanoseconds per operation, the ratio to no agent, and
 * what that is per instrumented call. Usage: {@code JmhRunner [--quick] [--agent JAR] [--out FILE.md]}.
 */
public final class JmhRunner {

    private JmhRunner() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        Path agent = Paths.get("agent/target/socktrace-agent.jar");
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick":
                    quick = true;
                    break;
                case "--agent":
                    agent = Paths.get(args[++i]);
                    break;
                case "--out":
                    out = Paths.get(args[++i]);
                    break;
                default:
                    System.err.println("jmh: unknown option " + args[i]);
                    System.exit(2);
            }
        }
        Path work = Files.createTempDirectory("socktrace-jmh");
        Path jdkJfc = Throughput.jdkSocketEventsAtZero(Paths.get(System.getProperty("java.home")), work);
        String a = agent.toAbsolutePath().toString();
        Map<String, String[]> configs = new LinkedHashMap<>();
        configs.put("no-agent", new String[0]);
        configs.put("agent-default", new String[] {"-javaagent:" + a + "=recording=" + work.resolve("a.jfr")});
        configs.put("agent-all-events-0", new String[] {"-javaagent:" + a + "=recording=" + work.resolve("b.jfr")
                + ",receiveThreshold=0,sendThreshold=0"});
        configs.put("jdk-events-0", new String[] {"-XX:StartFlightRecording:settings=" + jdkJfc + ",filename=" + work.resolve("c.jfr")});

        Map<String, Map<String, double[]>> scores = new LinkedHashMap<>();
        for (Map.Entry<String, String[]> config : configs.entrySet()) {
            ChainedOptionsBuilder options = new OptionsBuilder()
                    .include(SocketCallBenchmark.class.getName())
                    .jvmArgsAppend(config.getValue())
                    .forks(quick ? 1 : 2)
                    .warmupIterations(quick ? 1 : 2)
                    .warmupTime(TimeValue.seconds(1))
                    .measurementIterations(quick ? 2 : 3)
                    .measurementTime(TimeValue.seconds(quick ? 1 : 2))
                    .shouldDoGC(false);
            Collection<RunResult> results = new Runner(options.build()).run();
            for (RunResult r : results) {
                String method = r.getParams().getBenchmark();
                method = method.substring(method.lastIndexOf('.') + 1);
                double score = r.getPrimaryResult().getScore();
                double error = r.getPrimaryResult().getScoreError();
                scores.computeIfAbsent(method, k -> new LinkedHashMap<>()).put(config.getKey(), new double[] {score, error});
            }
        }
        StringBuilder report = new StringBuilder();
        report.append(System.getProperty("java.vm.name")).append(' ').append(System.getProperty("java.version"))
                .append(", JMH SocketCallBenchmark: 64 B written and read back on a loopback pair by one thread, 4 instrumented calls per op\n\n");
        report.append("| benchmark | configuration | ns/op (± 99.9 %) | ratio of throughput to no agent | added ns per call |\n");
        report.append("|---|---|---:|---:|---:|\n");
        for (Map.Entry<String, Map<String, double[]>> m : scores.entrySet()) {
            double base = m.getValue().get("no-agent")[0];
            for (Map.Entry<String, double[]> c : m.getValue().entrySet()) {
                double ns = c.getValue()[0];
                report.append(String.format(Locale.ROOT, "| %s | %s | %.0f ± %.0f | %.3f | %.0f |%n", m.getKey(), c.getKey(), ns,
                        c.getValue()[1], base / ns, (ns - base) / 4));
            }
        }
        System.out.print(report);
        if (out != null) {
            Files.writeString(out, report.toString());
        }
    }
}
