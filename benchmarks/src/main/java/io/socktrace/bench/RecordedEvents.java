package io.socktrace.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import io.socktrace.events.EventFields;
import io.socktrace.events.EventNames;
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
            Contents contents = read(file);
            contents.counts.forEach((type, n) -> System.out.printf("  %-40s %d%n", type, n));
            if (contents.counted != null) {
                System.out.printf("  EndpointStatistics counted: %s%n", contents.counted);
            }
        }
    }

    /**
     * What a recording holds, from one pass over it: the events per type name (socktrace.* and
     * jdk.Socket*, sorted by name) and what its {@code socktrace.EndpointStatistics} rows counted,
     * summed over the whole recording — connects (of them refused), accepts, resets, and the
     * connections sampling left out, to set against the operations the workload says it made (null
     * when it holds no such row).
     */
    public static final class Contents {
        public final Map<String, Long> counts = new TreeMap<>();
        public String counted;
    }

    /** Reads {@code recording} once for its {@link Contents}. */
    public static Contents read(Path recording) throws IOException {
        Contents contents = new Contents();
        long rows = 0;
        long connects = 0;
        long refused = 0;
        long accepted = 0;
        long resets = 0;
        long notRecorded = 0;
        try (RecordingFile file = new RecordingFile(recording)) {
            while (file.hasMoreEvents()) {
                RecordedEvent event = file.readEvent();
                String name = event.getEventType().getName();
                if (name.startsWith("socktrace.") || name.startsWith("jdk.Socket")) {
                    contents.counts.merge(name, 1L, Long::sum);
                }
                if (!name.equals(EventNames.ENDPOINT_STATISTICS)) {
                    continue;
                }
                rows++;
                connects += event.getLong(EventFields.CONNECTS);
                refused += event.getLong(EventFields.REFUSED);
                accepted += event.getLong(EventFields.ACCEPTED);
                notRecorded += event.getLong(EventFields.CONNECTIONS_NOT_RECORDED);
                if ("REMOTE".equals(event.getString(EventFields.ROLE))) {
                    resets += event.getLong(EventFields.RESETS); // the client's view; the listener's row counts the server's
                }
            }
        }
        if (rows > 0) {
            contents.counted = String.format(Locale.ROOT, "connects %d (refused %d), accepts %d, resets %d, not recorded %d", connects,
                    refused, accepted, resets, notRecorded);
        }
        return contents;
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
