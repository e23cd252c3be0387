package io.socktrace.agent;

import io.socktrace.events.EventFields;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.ValueDescriptor;
import jdk.jfr.consumer.RecordedEvent;

/**
 * The {@code socktrace.EndpointStatistics} rows of a recording summed over its periods: one line
 * per remote endpoint and per listener, busiest first, with the connect-time percentiles read
 * from the summed latency buckets. The bucket fields are found by their names in the recording
 * (the bounds are in the names: {@code connectsWithin2500us}), since the event's own constants
 * live in the boot jar and are not on this class's class path.
 */
final class EndpointTable {

    private static final String WITHIN = "connectsWithin";
    private static final String OVER = "connectsOver";

    private EndpointTable() {
    }

    /** The counts of one endpoint over the whole recording. */
    private static final class Totals {
        final String role;
        final String name;
        long connects;
        long connected;
        long refused;
        long timedOut;
        long otherFailures;
        long accepted;
        long acceptFailures;
        long maxNanos;
        long bytesRead;
        long bytesWritten;
        long resets;
        long closedLocal;
        long closedPeer;
        long closedAbort;
        long closedAfterError;
        long leaked;
        long open;
        long closeWait;
        long timeWait;
        long portsInUse;
        long portRange;
        long notRecorded;
        long eventsNotRecorded;
        long[] buckets;
        long[] bounds;

        Totals(String role, String name) {
            this.role = role;
            this.name = name;
        }

        long activity() {
            return connects + accepted + acceptFailures + open;
        }
    }

    static void print(List<RecordedEvent> rows, PrintStream out) {
        Map<String, Totals> byEndpoint = new LinkedHashMap<>();
        for (RecordedEvent e : rows) {
            String role = e.getString(EventFields.ROLE);
            String name = role.equals("OTHER") ? "(" + e.getInt(EventFields.ENDPOINTS) + "+ others)"
                    : Summary.endpoint(e.getString(EventFields.ADDRESS), e.getInt(EventFields.PORT))
                    + (e.getString(EventFields.HOST) != null && !e.getString(EventFields.HOST).equals(e.getString(EventFields.ADDRESS))
                    ? " (" + e.getString(EventFields.HOST) + ")" : "");
            Totals t = byEndpoint.computeIfAbsent(role + " " + name, k -> new Totals(role, name));
            t.connects += e.getLong(EventFields.CONNECTS);
            t.connected += e.getLong(EventFields.CONNECTED);
            t.refused += e.getLong(EventFields.REFUSED);
            t.timedOut += e.getLong(EventFields.TIMED_OUT);
            t.otherFailures += e.getLong(EventFields.UNREACHABLE) + e.getLong(EventFields.UNRESOLVED) + e.getLong(EventFields.INTERRUPTED)
                    + e.getLong(EventFields.OTHER_CONNECT_FAILURES) + e.getLong(EventFields.NO_LOCAL_PORT);
            t.accepted += e.getLong(EventFields.ACCEPTED);
            t.acceptFailures += e.getLong(EventFields.ACCEPT_FAILURES);
            t.maxNanos = Math.max(t.maxNanos, e.getDuration(EventFields.CONNECT_TIME_MAX).toNanos());
            t.bytesRead += e.getLong(EventFields.BYTES_READ);
            t.bytesWritten += e.getLong(EventFields.BYTES_WRITTEN);
            t.resets += e.getLong(EventFields.RESETS);
            t.closedLocal += e.getLong(EventFields.CLOSED_LOCAL);
            t.closedPeer += e.getLong(EventFields.CLOSED_PEER);
            t.closedAbort += e.getLong(EventFields.CLOSED_ABORT);
            t.closedAfterError += e.getLong(EventFields.CLOSED_AFTER_ERROR);
            t.leaked += e.getLong(EventFields.LEAKED);
            t.open = e.getLong(EventFields.OPEN_CONNECTIONS); // rows are in time order: the last one is "now"
            t.closeWait = e.getLong(EventFields.CLOSE_WAIT_CONNECTIONS);
            if (e.hasField(EventFields.TIME_WAIT_CONNECTIONS)) {
                t.timeWait = e.getLong(EventFields.TIME_WAIT_CONNECTIONS);
                t.portsInUse = Math.max(t.portsInUse, e.getLong(EventFields.LOCAL_PORTS_IN_USE));
                t.portRange = e.getLong(EventFields.LOCAL_PORT_RANGE);
            }
            t.notRecorded += e.getLong(EventFields.CONNECTIONS_NOT_RECORDED);
            t.eventsNotRecorded += e.getLong(EventFields.EVENTS_NOT_RECORDED);
            addBuckets(t, e);
        }
        List<Totals> sorted = new ArrayList<>(byEndpoint.values());
        sorted.sort((a, b) -> Long.compare(b.activity(), a.activity()));
        out.println();
        out.println("endpoints (exact counts over " + rows.size() + " EndpointStatistics rows; times in ms):");
        out.println(String.format(Locale.ROOT, "  %-8s %-34s %8s %8s %7s %7s %6s %8s %7s %7s %7s %11s %11s %6s %-17s %5s %6s %6s %9s",
                "role", "endpoint", "connects", "accepts", "refused", "timeout", "failed", "p50", "p99", "max",
                "resets", "read B", "written B", "leaks", "closes L/P/A/E", "open", "c_wait", "t_wait", "not rec."));
        for (Totals t : sorted) {
            out.println(String.format(Locale.ROOT, "  %-8s %-34s %8d %8d %7d %7d %6d %8s %7s %7s %7d %11d %11d %6d %-17s %5d %6d %6d %9d",
                    t.role, t.name, t.connects, t.accepted, t.refused, t.timedOut, t.otherFailures + t.acceptFailures,
                    millis(percentile(t, 0.50)), millis(percentile(t, 0.99)), millis(t.connects == 0 ? -1 : t.maxNanos), t.resets, t.bytesRead, t.bytesWritten,
                    t.leaked, t.closedLocal + "/" + t.closedPeer + "/" + t.closedAbort + "/" + t.closedAfterError, t.open, t.closeWait,
                    t.timeWait, t.notRecorded));
        }
        for (Totals t : sorted) {
            if (t.portRange > 0 && t.portsInUse * 5 >= t.portRange * 4) {
                out.println("  local ports: " + t.portsInUse + " of the " + t.portRange + " in the ephemeral range held toward " + t.name
                        + " (open and TIME_WAIT): at the range's end its connects fail with NO_LOCAL_PORT");
            }
        }
        long notRecorded = sorted.stream().mapToLong(t -> t.notRecorded).sum();
        long eventsNotRecorded = sorted.stream().mapToLong(t -> t.eventsNotRecorded).sum();
        if (notRecorded > 0 || eventsNotRecorded > 0) {
            out.println("  not recorded: " + notRecorded + " normal connections (sampling), " + eventsNotRecorded
                    + " abnormal events beyond their rate; all of them are in the counts above");
        }
    }

    private static void addBuckets(Totals t, RecordedEvent e) {
        if (t.buckets == null) {
            List<Long> bounds = new ArrayList<>();
            for (ValueDescriptor field : e.getFields()) {
                if (field.getName().startsWith(WITHIN)) {
                    bounds.add(nanos(field.getName().substring(WITHIN.length())));
                } else if (field.getName().startsWith(OVER)) {
                    bounds.add(Long.MAX_VALUE);
                }
            }
            t.bounds = bounds.stream().mapToLong(Long::longValue).toArray();
            t.buckets = new long[t.bounds.length];
        }
        int i = 0;
        for (ValueDescriptor field : e.getFields()) {
            if ((field.getName().startsWith(WITHIN) || field.getName().startsWith(OVER)) && i < t.buckets.length) {
                t.buckets[i++] += e.getLong(field.getName());
            }
        }
    }

    /** "2500us", "1ms", "10s" as nanoseconds. */
    static long nanos(String bound) {
        String[][] units = {{"us", "1000"}, {"ms", "1000000"}, {"s", "1000000000"}};
        for (String[] unit : units) {
            if (bound.endsWith(unit[0])) {
                return Long.parseLong(bound.substring(0, bound.length() - unit[0].length())) * Long.parseLong(unit[1]);
            }
        }
        throw new IllegalArgumentException("not a latency bucket bound: " + bound);
    }

    /** The upper bound of the bucket holding quantile q (no higher than the maximum seen); -1 without connects. */
    private static long percentile(Totals t, double q) {
        long total = 0;
        for (long n : t.buckets) {
            total += n;
        }
        if (total == 0) {
            return -1;
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int i = 0; i < t.buckets.length; i++) {
            seen += t.buckets[i];
            if (seen >= rank) {
                return Math.min(t.bounds[i], t.maxNanos);
            }
        }
        return t.maxNanos;
    }

    private static String millis(long nanos) {
        return nanos < 0 ? "-" : String.format(Locale.ROOT, "%.3f", nanos / 1e6);
    }
}
