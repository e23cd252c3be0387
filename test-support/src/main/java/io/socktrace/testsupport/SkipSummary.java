package io.socktrace.testsupport;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The build's last words: which tests did not run on this machine, grouped by reason (what is
 * missing and the command that provides it). Run by the last module of the reactor
 * ({@code test-summary}) from {@link SkipRecorder}'s records of this build; in strict mode (see
 * {@link Requirements}) it fails the build if anything but a newer-JDK test was skipped.
 */
public final class SkipSummary {
    private SkipSummary() {
    }

    /** {@code SkipSummary <records directory> <build id>}. */
    public static void main(String[] args) throws IOException {
        Path directory = Path.of(args[0]);
        String build = args[1];
        List<SkipRecord> records = read(directory, build);
        print(records, System.out);
        long notTolerated = records.stream().filter(r -> !Requirements.toleratedWhenStrict(r.reason)).mapToInt(r -> r.tests).sum();
        if (Requirements.strict() && notTolerated > 0) {
            throw new IllegalStateException(notTolerated + " tests were skipped, and " + Requirements.STRICT_ENV
                    + " (strict) says every test must run: see the list above");
        }
    }

    /** This build's records; older builds' files are deleted, so the directory never grows. */
    static List<SkipRecord> read(Path directory, String build) throws IOException {
        List<SkipRecord> records = new ArrayList<>();
        if (!Files.isDirectory(directory)) {
            return records;
        }
        String prefix = SkipRecord.prefix(build);
        List<Path> files;
        try (Stream<Path> all = Files.list(directory)) {
            files = all.sorted().collect(Collectors.toList());
        }
        for (Path file : files) {
            if (file.getFileName().toString().startsWith(prefix)) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) {
                        records.add(SkipRecord.parse(line));
                    }
                }
            } else if (file.getFileName().toString().startsWith("skipped-")) {
                Files.deleteIfExists(file);
            }
        }
        return records;
    }

    static void print(List<SkipRecord> records, PrintStream out) {
        String rule = "-".repeat(100);
        out.println(rule);
        int total = records.stream().mapToInt(r -> r.tests).sum();
        if (total == 0) {
            out.println("socktrace: every test ran; none was skipped");
            out.println(rule);
            return;
        }
        out.println("socktrace: " + total + " test" + (total == 1 ? " was" : "s were") + " NOT run on this machine, by reason:");
        Map<String, List<SkipRecord>> byReason = new TreeMap<>();
        for (SkipRecord r : records) {
            byReason.computeIfAbsent(r.reason, k -> new ArrayList<>()).add(r);
        }
        for (Map.Entry<String, List<SkipRecord>> group : byReason.entrySet()) {
            int tests = group.getValue().stream().mapToInt(r -> r.tests).sum();
            out.println("  " + group.getKey() + "  (" + tests + " test" + (tests == 1 ? "" : "s") + ")");
            Map<String, List<String>> byClass = new TreeMap<>();
            for (SkipRecord r : group.getValue()) {
                int dot = r.test.indexOf('.');
                String cls = r.module + "/" + (dot < 0 ? r.test : r.test.substring(0, dot));
                List<String> names = byClass.computeIfAbsent(cls, k -> new ArrayList<>());
                names.add(dot < 0 ? "all " + r.tests + " tests" : r.test.substring(dot + 1));
            }
            for (Map.Entry<String, List<String>> cls : byClass.entrySet()) {
                out.println("      " + cls.getKey() + ": " + String.join(", ", cls.getValue()));
            }
        }
        if (Requirements.strict()) {
            out.println("socktrace: strict (" + Requirements.STRICT_ENV + "): a test that needs a newer JDK than this one is"
                    + " not a failure (the build on that JDK runs it); any other skip fails the build.");
        } else {
            out.println("socktrace: these pass here only because they did not run; " + Requirements.STRICT_ENV
                    + "=1 (CI sets it) makes each a failure. README.md, \"Running the tests\", says which tests need what.");
        }
        out.println(rule);
    }
}
