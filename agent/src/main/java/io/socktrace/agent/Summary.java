package io.socktrace.agent;

import io.socktrace.events.EventFields;
import io.socktrace.events.EventNames;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * A readable account of a recording's socktrace events: one block per connection, in the order
 * the connections first appear, each event with its time, outcome, duration, bytes and the first
 * application frame of its stack. What {@code jfr print} shows, cut down to what answers "what
 * happened to this connection, and where in my code".
 *
 * <p>Event and field names come from {@link EventNames} and {@link EventFields}, so a rename there
 * is a compile error here. Only their compile-time constants, which javac copies into this class:
 * the jfr-events classes are not on this jar's class path (they live in the nested boot jar), so
 * a method or a list of theirs would fail at run time; {@link Watch} likewise.
 */
final class Summary {

    private Summary() {
    }

    static int print(Path file, PrintStream out, PrintStream err) {
        List<RecordedEvent> events = new ArrayList<>();
        try (RecordingFile recording = new RecordingFile(file)) {
            while (recording.hasMoreEvents()) {
                RecordedEvent e = recording.readEvent();
                if (e.getEventType().getName().startsWith(EventNames.PREFIX)) {
                    events.add(e);
                }
            }
        } catch (IOException | RuntimeException e) {
            err.println("socktrace: cannot read recording " + file + ": " + e.getMessage());
            return 1;
        }
        events.sort(Comparator.comparing(RecordedEvent::getStartTime));
        List<RecordedEvent> statistics = new ArrayList<>();
        RecordedEvent sampling = null;
        Map<String, RecordedEvent> transports = new java.util.TreeMap<>();
        for (java.util.Iterator<RecordedEvent> i = events.iterator(); i.hasNext(); ) {
            RecordedEvent e = i.next();
            String name = e.getEventType().getName();
            if (name.equals(EventNames.TRANSPORT)) {
                // the latest of each transport: its count so far
                transports.put(e.getString(EventFields.TRANSPORT) + " (" + e.getString(EventFields.LIBRARY) + ")", e);
                i.remove();
            } else if (name.equals(EventNames.ENDPOINT_STATISTICS)) {
                statistics.add(e);
                i.remove();
            } else if (name.equals(EventNames.SAMPLING)) {
                sampling = sampling == null || samplingRank(e) > samplingRank(sampling) ? e : sampling;
                i.remove();
            }
        }
        Map<Long, List<RecordedEvent>> byConnection = new LinkedHashMap<>();
        for (RecordedEvent e : events) {
            long id = e.hasField(EventFields.CONNECTION_ID) ? e.getLong(EventFields.CONNECTION_ID) : 0;
            if (e.getEventType().getName().equals(EventNames.ACCEPT) && id == 0) {
                id = e.getLong(EventFields.LISTENER_ID); // a failed accept belongs to its listener
            }
            byConnection.computeIfAbsent(id, k -> new ArrayList<>()).add(e);
        }
        out.println(file.getFileName() + ": " + events.size() + " socktrace events, " + byConnection.size() + " sockets");
        if (sampling != null) {
            out.println(samplingLine(sampling));
        }
        for (Map.Entry<String, RecordedEvent> t : transports.entrySet()) {
            out.println(transportLine(t.getKey(), t.getValue()));
        }
        if (!statistics.isEmpty()) {
            EndpointTable.print(statistics, out);
        }
        if (events.isEmpty()) {
            return 0;
        }
        Instant t0 = events.get(0).getStartTime();
        for (Map.Entry<Long, List<RecordedEvent>> entry : byConnection.entrySet()) {
            RecordedEvent first = describing(entry.getValue());
            out.println();
            out.println("socket " + entry.getKey() + "  " + endpoints(first) + threadOf(first));
            for (RecordedEvent e : entry.getValue()) {
                out.println("  " + line(e, t0));
            }
        }
        return 0;
    }

    /** How permissive a Sampling event is: several in one recording (a profile session started later) show the widest. */
    private static long samplingRank(RecordedEvent e) {
        long connections = e.getLong(EventFields.CONNECTIONS_PER_SECOND);
        return connections == 0 ? Long.MAX_VALUE : connections;
    }

    /** One line saying which connections the recording holds. */
    static String samplingLine(RecordedEvent e) {
        long connections = e.getLong(EventFields.CONNECTIONS_PER_SECOND);
        long abnormal = e.getLong(EventFields.ABNORMAL_PER_SECOND);
        if (connections == 0 && abnormal == 0) {
            return "sampling: off, every connection and event recorded";
        }
        return "sampling: " + (connections == 0 ? "every connection recorded" : "normal connections sampled, at most " + connections
                + "/s per direction") + "; abnormal events " + (abnormal == 0 ? "all recorded" : "up to " + abnormal
                + "/s per endpoint and kind, the rest counted") + " (settings=profile records everything)";
    }

    /** One line per socket library: the connections it carried, or why socktrace cannot see them. */
    static String transportLine(String name, RecordedEvent e) {
        if (!e.getBoolean(EventFields.TRACED)) {
            return "transport " + name + ": NOT TRACED, " + printable(e.getString(EventFields.NOTE));
        }
        long n = e.getLong(EventFields.CONNECTIONS_TRACED);
        return "transport " + name + ": " + n + (n == 1 ? " connection" : " connections") + " traced";
    }

    /** The event that best names the connection: one with both endpoints filled in. */
    private static RecordedEvent describing(List<RecordedEvent> events) {
        for (RecordedEvent e : events) {
            if (e.hasField(EventFields.PORT) && e.getInt(EventFields.PORT) > 0 && e.getInt(EventFields.LOCAL_PORT) > 0) {
                return e;
            }
        }
        return events.get(0);
    }

    static String endpoints(RecordedEvent e) {
        if (!e.hasField(EventFields.PORT)) {
            return "";
        }
        String local = endpoint(e.getString(EventFields.LOCAL_ADDRESS), e.getInt(EventFields.LOCAL_PORT));
        if (e.getEventType().getName().equals(EventNames.LISTEN)) {
            return "listening on " + local;
        }
        String remote = endpoint(e.getString(EventFields.ADDRESS), e.getInt(EventFields.PORT));
        String host = e.getString(EventFields.HOST);
        return local + " -> " + remote + (host != null && !host.equals(e.getString(EventFields.ADDRESS)) ? " (" + host + ")" : "");
    }

    /** {@code 127.0.0.1:8080}, {@code [::1]:8080} (an IPv6 address in brackets, as capture tools write it), {@code ?:8080}. */
    static String endpoint(String address, int port) {
        String text = address == null || address.isEmpty() ? "?" : address.indexOf(':') >= 0 ? "[" + address + "]" : address;
        return port > 0 ? text + ":" + port : text;
    }

    static String threadOf(RecordedEvent e) {
        RecordedThread t = e.getThread();
        return t == null ? "" : "  [" + printable(t.getJavaName()) + "]";
    }

    private static String line(RecordedEvent e, Instant t0) {
        return String.format(Locale.ROOT, "%+10.3f ms  ", Duration.between(t0, e.getStartTime()).toNanos() / 1e6) + body(e);
    }

    /** An event in one line without its time: name, outcome, duration, bytes, message, application frame. */
    static String body(RecordedEvent e) {
        String name = e.getEventType().getName().substring(EventNames.PREFIX.length());
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-12s", name));
        for (String field : new String[] {EventFields.OUTCOME, EventFields.INITIATOR, EventFields.KIND, EventFields.OPTION}) {
            if (e.hasField(field) && e.getString(field) != null) {
                b.append(' ').append(e.getString(field));
            }
        }
        if (e.hasField(EventFields.VALUE)) {
            b.append('=').append(e.getString(EventFields.VALUE));
        }
        if (!e.getDuration().isZero()) {
            b.append(String.format(Locale.ROOT, "  took %.3f ms", e.getDuration().toNanos() / 1e6));
        }
        appendIf(b, e, EventFields.BYTES_READ, " read ", " B");
        appendIf(b, e, EventFields.BYTES_WRITTEN, " written ", " B");
        appendIf(b, e, EventFields.UNREAD_BYTES, " unread ", " B");
        if (e.hasField(EventFields.CLOSE_WAIT_TIME) && e.getDuration(EventFields.CLOSE_WAIT_TIME).toNanos() > 0) {
            b.append(String.format(Locale.ROOT, " closeWait %.1f ms", e.getDuration(EventFields.CLOSE_WAIT_TIME).toNanos() / 1e6));
        }
        if (e.hasField(EventFields.TIMEOUT) && e.getDuration(EventFields.TIMEOUT).toMillis() > 0) {
            b.append(" timeout ").append(e.getDuration(EventFields.TIMEOUT).toMillis()).append(" ms");
        }
        if (e.hasField(EventFields.BACKLOG)) {
            b.append(" backlog ").append(e.getInt(EventFields.BACKLOG));
        }
        if (e.hasField(EventFields.EXCEPTION_MESSAGE) && e.getString(EventFields.EXCEPTION_MESSAGE) != null) {
            b.append("  \"").append(printable(e.getString(EventFields.EXCEPTION_MESSAGE))).append('"');
        }
        String frame = applicationFrame(e.getStackTrace());
        if (frame != null) {
            b.append("  at ").append(frame);
        }
        return b.toString();
    }

    private static void appendIf(StringBuilder b, RecordedEvent e, String field, String prefix, String suffix) {
        if (e.hasField(field) && e.getLong(field) > 0) {
            b.append(prefix).append(e.getLong(field)).append(suffix);
        }
    }

    /** The first frame outside the JDK and socktrace: the line of application code that did it. */
    static String applicationFrame(RecordedStackTrace stack) {
        if (stack == null) {
            return null;
        }
        for (RecordedFrame f : stack.getFrames()) {
            String type = f.getMethod().getType().getName();
            if (type.startsWith("java.") || type.startsWith("sun.") || type.startsWith("jdk.")
                    || type.startsWith("io.socktrace.runtime.") || type.startsWith("io.socktrace.events.")
                    || f.getLineNumber() < 0) {
                continue; // the JDK, the agent, and lambdas' hidden classes (no line): not the caller's code
            }
            String simple = type.substring(type.lastIndexOf('.') + 1);
            return simple + "." + f.getMethod().getName() + ":" + f.getLineNumber();
        }
        return null;
    }

    /**
     * Text from the application (thread names, exception messages) kept on one line: control
     * characters as Java escapes (a newline as backslash-n), so a name cannot break the layout.
     */
    static String printable(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch >= 0x20 && ch != 0x7f) {
                b.append(ch);
            } else {
                b.append(ch == '\n' ? "\\n" : ch == '\r' ? "\\r" : ch == '\t' ? "\\t" : String.format(Locale.ROOT, "\\u%04x", (int) ch));
            }
        }
        return b.toString();
    }
}
