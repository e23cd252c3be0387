package io.socktrace.bench.profile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads an async-profiler CPU profile in collapsed form (one line per stack, root first, frames
 * separated by {@code ;}, then the sample count) of a workload run, and says where its CPU per
 * operation goes: the share of samples of each kind of work, turned into microseconds per
 * operation with the workload's own measure of CPU per operation, and the frames that socktrace
 * (its own code, and JFR committing its events and walking their stacks) costs.
 *
 * <p>Usage: {@code ProfileBreakdown FILE.collapsed CPU_MICROS_PER_OPERATION [TOP]}. The figures are
 * samples × (CPU µs per operation ÷ all samples): the profile and the workload's measure must cover
 * the same steady-state window, which benchmarks/scripts/profile-churn.sh sees to.
 */
public final class ProfileBreakdown {

    /** socktrace's own frames, except the benchmark's workloads, which live under io.socktrace.bench. */
    private static final Pattern SOCKTRACE = Pattern.compile("^io/socktrace/(?!bench/)");

    /** JFR: its Java code, and the JVM's native recorder (stack walk, buffers, the recorder thread). */
    private static final Pattern JFR = Pattern.compile("^jdk/jfr/|^Jfr|^jfr|::Jfr|Jfr[A-Z][A-Za-z]*::|^JVM_.*Jfr|jfr_");

    private static final Pattern JIT = Pattern.compile("CompileBroker|^Compile::|C2Compiler|Compilation::|PhaseIdealLoop|PhaseChaitin");

    private static final Pattern GC = Pattern.compile("^G1|GCTask|WorkerThread::run|ConcurrentGCThread|GangWorker|^SafepointSynchronize");

    private ProfileBreakdown() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: ProfileBreakdown FILE.collapsed CPU_MICROS_PER_OPERATION [TOP]");
            System.exit(2);
        }
        Path file = Paths.get(args[0]);
        double microsPerOperation = Double.parseDouble(args[1]);
        int top = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        System.out.print(report(Files.readAllLines(file), microsPerOperation, top));
    }

    /** The whole breakdown as Markdown tables. */
    static String report(List<String> lines, double microsPerOperation, int top) {
        long total = 0;
        Map<String, Long> kinds = new LinkedHashMap<>();
        for (String kind : List.of("socktrace code (io.socktrace.*, with what it calls: JFR commit, stack walk, syscalls)",
                "JFR elsewhere (recorder thread, periodic events, chunk writes)", "JIT compiler", "GC and safepoints",
                "the rest: the workload, the JDK's socket code, the kernel")) {
            kinds.put(kind, 0L);
        }
        List<String> kindNames = List.copyOf(kinds.keySet());
        Map<String, Long> inclusive = new HashMap<>();
        Map<String, Long> innermost = new HashMap<>();
        Map<String, Long> wovenInto = new HashMap<>();
        for (String line : lines) {
            int space = line.lastIndexOf(' ');
            if (space < 0) {
                continue;
            }
            long samples = Long.parseLong(line.substring(space + 1).trim());
            String[] frames = line.substring(0, space).split(";");
            total += samples;
            int outermostSocktrace = -1;
            int innermostAttributed = -1;
            boolean jfr = false;
            boolean jit = false;
            boolean gc = false;
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < frames.length; i++) {
                String f = frames[i];
                boolean ours = SOCKTRACE.matcher(f).find();
                boolean isJfr = JFR.matcher(f).find();
                if (ours && outermostSocktrace < 0) {
                    outermostSocktrace = i;
                }
                jfr |= isJfr;
                jit |= JIT.matcher(f).find();
                gc |= GC.matcher(f).find();
                if (ours || isJfr) {
                    innermostAttributed = i;
                    if (seen.add(f)) {
                        inclusive.merge(f, samples, Long::sum);
                    }
                }
            }
            String kind;
            if (outermostSocktrace >= 0) {
                kind = kindNames.get(0);
                // the frame that called into socktrace: the JDK method the advice was woven into
                String caller = outermostSocktrace > 0 ? frames[outermostSocktrace - 1] : "(root)";
                wovenInto.merge(caller, samples, Long::sum);
            } else if (jfr) {
                kind = kindNames.get(1);
            } else if (jit) {
                kind = kindNames.get(2);
            } else if (gc) {
                kind = kindNames.get(3);
            } else {
                kind = kindNames.get(4);
            }
            kinds.merge(kind, samples, Long::sum);
            if (innermostAttributed >= 0) {
                innermost.merge(frames[innermostAttributed], samples, Long::sum);
            }
        }
        double perSample = total == 0 ? 0 : microsPerOperation / total;
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%d samples, %.2f CPU µs per operation%n%n", total, microsPerOperation));
        out.append("| where | share of samples | CPU µs per operation |\n|---|---:|---:|\n");
        for (Map.Entry<String, Long> e : kinds.entrySet()) {
            out.append(row(e.getKey(), e.getValue(), total, perSample));
        }
        appendTop(out, "Frames of socktrace and JFR, inclusive (a frame's samples with everything it calls)", inclusive, total, perSample, top);
        appendTop(out, "The same, by innermost socktrace or JFR frame (its own time plus the JDK, libc and kernel code it calls; sums to the socktrace + JFR total)",
                innermost, total, perSample, top);
        appendTop(out, "socktrace code by the method it was called from (the woven JDK method, or a socktrace thread's root)", wovenInto,
                total, perSample, top);
        return out.toString();
    }

    private static void appendTop(StringBuilder out, String title, Map<String, Long> counts, long total, double perSample, int top) {
        out.append("\n").append(title).append(":\n\n| frame | share of samples | CPU µs per operation |\n|---|---:|---:|\n");
        counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(top)
                .forEach(e -> out.append(row("`" + e.getKey() + "`", e.getValue(), total, perSample)));
    }

    private static String row(String name, long samples, long total, double perSample) {
        return String.format(Locale.ROOT, "| %s | %.1f %% | %.2f |%n", name, total == 0 ? 0 : 100.0 * samples / total, samples * perSample);
    }
}
