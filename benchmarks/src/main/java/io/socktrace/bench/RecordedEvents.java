package io.socktrace.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * Counts what a recording holds per event type: every socktrace event type and the JDK's own
 * socket events (jdk.Socket*, the anchor configuration's), by name, whatever types a version of
 * the agent defines. {@link Throughput}'s {@code --count-events} uses it on each run's recording; as a main,
 * {@code RecordedEvents FILE.jfr...} prints each file's size and counts.
 */
public final class RecordedEvents {

    private RecordedEvents() {
    }

    public static void main(String[] args) throws IOException {
        for (String arg : args) {
            Path file = Paths.get(arg);
            System.out.printf("%s: %d bytes%n", file, Files.size(file));
            count(file).forEach((type, n) -> System.out.printf("  %-40s %d%n", type, n));
        }
    }

    /** Events per type name, for socktrace.* and jdk.Socket* types, sorted by name. */
    public static Map<String, Long> count(Path recording) throws IOException {
        Map<String, Long> counts = new TreeMap<>();
        try (RecordingFile file = new RecordingFile(recording)) {
            while (file.hasMoreEvents()) {
                RecordedEvent event = file.readEvent();
                String name = event.getEventType().getName();
                if (name.startsWith("socktrace.") || name.startsWith("jdk.Socket")) {
                    counts.merge(name, 1L, Long::sum);
                }
            }
        }
        return counts;
    }

    /** One line: {@code type count, type count, ...} without the common "socktrace." prefix; "none" when empty. */
    public static String describe(Map<String, Long> counts) {
        if (counts.isEmpty()) {
            return "none";
        }
        return counts.entrySet().stream()
                .map(e -> e.getKey().replaceFirst("^socktrace\\.", "") + " " + e.getValue())
                .collect(Collectors.joining(", "));
    }
}
