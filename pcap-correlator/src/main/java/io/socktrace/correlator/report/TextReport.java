package io.socktrace.correlator.report;

import io.socktrace.correlator.flow.TcpFlow;
import io.socktrace.correlator.join.Correlation;
import io.socktrace.correlator.join.Finding;
import io.socktrace.correlator.join.TwoWorkers;
import io.socktrace.correlator.jvm.JvmConnection;
import java.util.List;
import java.util.Locale;

/** The correlation as the text {@code correlate} prints: a summary, each connection's findings, the flows without one. */
public final class TextReport {

    private TextReport() {
    }

    /** The text report of {@code correlation}: summary first, then one block per connection, worst first. */
    public static String of(Correlation correlation) {
        return of(correlation, TwoWorkers.WORTH_SPLITTING);
    }

    /** As {@link #of(Correlation)}, writing the connections in two halves at once from {@code splitFrom} of them (tests vary it). */
    static String of(Correlation correlation, int splitFrom) {
        List<Correlation.Joined> connections = correlation.connections;
        List<TcpFlow> unmatchedFlows = correlation.unmatchedFlows;
        StringBuilder b = new StringBuilder();
        java.util.Map<String, Integer> counts = new java.util.TreeMap<>();
        for (Correlation.Joined j : connections) {
            for (Finding f : j.findings) {
                counts.merge(f.code, 1, Integer::sum);
            }
        }
        b.append("connections ").append(connections.size()).append(", flows without a JVM connection ")
                .append(unmatchedFlows.size()).append(", clock offset ").append(millis(correlation.clockOffsetNanos))
                .append(" (from ").append(correlation.offsetSamples).append(" handshakes)\n");
        b.append("findings: ").append(counts.isEmpty() ? "none" : counts.toString()).append('\n');
        String sampling = correlation.sampling.describe();
        if (sampling != null) {
            b.append(sampling).append('\n');
        }
        String advice = correlation.sampling.advice();
        if (advice != null) {
            b.append("note: ").append(advice).append('\n');
        }
        // the connections' blocks in two halves at once (each touches only its own connections and
        // flows), put together in order: the same text as on one thread
        if (connections.size() < splitFrom) {
            appendConnections(b, correlation, connections);
            appendUnmatched(b, correlation);
        } else {
            StringBuilder firstHalf = new StringBuilder(connections.size() * 64);
            StringBuilder rest = new StringBuilder(connections.size() * 64);
            TwoWorkers.onHalves(connections, half -> appendConnections(firstHalf, correlation, half), half -> {
                appendConnections(rest, correlation, half);
                appendUnmatched(rest, correlation);
            });
            b.append(firstHalf).append(rest);
        }
        return b.toString();
    }

    /** One block per connection, in the list's order. */
    private static void appendConnections(StringBuilder b, Correlation correlation, List<Correlation.Joined> connections) {
        for (Correlation.Joined j : connections) {
            JvmConnection c = j.connection;
            b.append('\n').append("connection ").append(correlation.label(c)).append(' ').append(c.side().name().toLowerCase(Locale.ROOT))
                    .append(' ').append(c.localEndpoint()).append(" -> ").append(c.remoteEndpoint());
            if (j.flow != null) {
                b.append("  wire: ").append(j.flow.connState()).append(", ").append(j.flow.client().packets() + j.flow.server().packets())
                        .append(" packets");
            }
            if (c.thread() != null) {
                b.append("  [").append(printable(c.thread())).append(']');
            }
            b.append('\n');
            for (Finding f : j.findings) {
                b.append("  ").append(printable(f.toString())).append('\n');
            }
        }
    }

    /** The flows without a JVM connection: how many, and the ones listed. */
    private static void appendUnmatched(StringBuilder b, Correlation correlation) {
        List<TcpFlow> unmatchedFlows = correlation.unmatchedFlows;
        long unmatchedFlowCount = correlation.unmatchedFlowCount;
        if (unmatchedFlowCount > 0) {
            b.append("\nflows without a JVM connection: ").append(unmatchedFlowCount);
            if (unmatchedFlowCount > unmatchedFlows.size()) {
                b.append(" (the first ").append(unmatchedFlows.size()).append(" listed)");
            }
            if (correlation.possiblySampledOutCount > 0) {
                b.append("; ").append(correlation.possiblySampledOutCount).append(" of them on a port of this JVM while it recorded: "
                        + "possibly sampled out");
            }
            b.append('\n');
            for (TcpFlow f : unmatchedFlows) {
                b.append("  ").append(f.describe());
                if (correlation.possiblySampledOut(f)) {
                    b.append("  (possibly sampled out)");
                }
                b.append('\n');
            }
        }
    }

    /**
     * Text from the application (thread names, exception messages) on one line: control
     * characters written as Java escapes (a newline as backslash-n, ESC as backslash-u001b), so
     * that a name cannot break the report's layout or drive the terminal.
     */
    public static String printable(String text) {
        StringBuilder b = null;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch >= 0x20 && ch != 0x7f) {
                if (b != null) {
                    b.append(ch);
                }
                continue;
            }
            if (b == null) {
                b = new StringBuilder(text.length() + 8).append(text, 0, i);
            }
            b.append(ch == '\n' ? "\\n" : ch == '\r' ? "\\r" : ch == '\t' ? "\\t" : String.format(Locale.ROOT, "\\u%04x", (int) ch));
        }
        return b == null ? text : b.toString();
    }

    private static String millis(long nanos) {
        // Locale.US: the same text as Locale.ROOT, and the one locale Formatter needs no DecimalFormatSymbols for (JDK 17)
        return String.format(Locale.US, "%.1f ms", nanos / 1e6);
    }
}
