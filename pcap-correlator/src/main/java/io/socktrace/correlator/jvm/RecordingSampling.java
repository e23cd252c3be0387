package io.socktrace.correlator.jvm;

import io.socktrace.events.EventFields;
import io.socktrace.events.EventNames;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Which connections a recording holds, from its {@code socktrace.Sampling} events, and how many the
 * JVM made against how many it recorded, from its {@code socktrace.EndpointStatistics}. A
 * correlation needs it to tell a flow of this JVM whose connection was sampled out from a stranger:
 * with sampling on, a flow without a recorded connection proves nothing.
 *
 * <p>A recording of an agent older than the Sampling event has none: then nothing is known, and
 * those agents recorded every connection ({@link #sampled()} is false).
 */
public final class RecordingSampling {

    private int samplingEvents;
    private long minConnectionsPerSecond = Long.MAX_VALUE;
    private long maxConnectionsPerSecond;
    private long abnormalPerSecond;
    private long slowConnectNanos;
    private long longCloseWaitNanos;
    private int statisticsEvents;
    private long connects;
    private long accepted;
    private long connectionsNotRecorded;
    private long lastStatisticsNanos = Long.MIN_VALUE;
    private final Set<Integer> listenerPorts = new HashSet<>();
    private final Set<Integer> remotePorts = new HashSet<>();
    private long firstNanos = Long.MAX_VALUE;
    private long lastNanos = Long.MIN_VALUE;

    /** Takes in one event of the recording (a Sampling, an EndpointStatistics or a connection's event): true if it was one of the first two. */
    boolean see(ChunkEventReader.Event e) {
        long start = e.startNanos();
        if (start > 0) {
            firstNanos = Math.min(firstNanos, start);
            lastNanos = Math.max(lastNanos, start + e.durationNanos());
        }
        String type = e.typeName();
        if (type.equals(EventNames.SAMPLING)) {
            samplingEvents++;
            long rate = e.number(EventFields.CONNECTIONS_PER_SECOND);
            minConnectionsPerSecond = Math.min(minConnectionsPerSecond, rate);
            maxConnectionsPerSecond = Math.max(maxConnectionsPerSecond, rate);
            abnormalPerSecond = Math.max(abnormalPerSecond, e.number(EventFields.ABNORMAL_PER_SECOND));
            slowConnectNanos = Math.max(slowConnectNanos, e.number(EventFields.SLOW_CONNECT));
            longCloseWaitNanos = Math.max(longCloseWaitNanos, e.number(EventFields.LONG_CLOSE_WAIT));
            return true;
        }
        if (type.equals(EventNames.ENDPOINT_STATISTICS)) {
            statisticsEvents++;
            lastStatisticsNanos = Math.max(lastStatisticsNanos, start);
            connects += e.number(EventFields.CONNECTS);
            accepted += e.number(EventFields.ACCEPTED);
            connectionsNotRecorded += e.number(EventFields.CONNECTIONS_NOT_RECORDED);
            int port = (int) e.number(EventFields.PORT);
            String role = e.string(EventFields.ROLE);
            if (port > 0 && "LISTENER".equals(role)) {
                listenerPorts.add(port);
            } else if (port > 0 && "REMOTE".equals(role)) {
                remotePorts.add(port);
            }
            return true;
        }
        return false;
    }

    /** Adds what another recording of the same correlation holds. */
    public void add(RecordingSampling other) {
        samplingEvents += other.samplingEvents;
        minConnectionsPerSecond = Math.min(minConnectionsPerSecond, other.minConnectionsPerSecond);
        maxConnectionsPerSecond = Math.max(maxConnectionsPerSecond, other.maxConnectionsPerSecond);
        abnormalPerSecond = Math.max(abnormalPerSecond, other.abnormalPerSecond);
        slowConnectNanos = Math.max(slowConnectNanos, other.slowConnectNanos);
        longCloseWaitNanos = Math.max(longCloseWaitNanos, other.longCloseWaitNanos);
        statisticsEvents += other.statisticsEvents;
        connects += other.connects;
        accepted += other.accepted;
        connectionsNotRecorded += other.connectionsNotRecorded;
        lastStatisticsNanos = Math.max(lastStatisticsNanos, other.lastStatisticsNanos);
        listenerPorts.addAll(other.listenerPorts);
        remotePorts.addAll(other.remotePorts);
        firstNanos = Math.min(firstNanos, other.firstNanos);
        lastNanos = Math.max(lastNanos, other.lastNanos);
    }

    /** True if the recording says which sampling it used (an agent with the Sampling event). */
    public boolean known() {
        return samplingEvents > 0;
    }

    /** True if some of the recording's normal connections may be missing from it: sampling was on in some chunk. */
    public boolean sampled() {
        return known() && maxConnectionsPerSecond > 0;
    }

    /** Normal connections recorded per second and direction at most (the highest of the chunks); 0: every one. */
    public long connectionsPerSecond() {
        return maxConnectionsPerSecond;
    }

    /** A connect or accept at least this slow is recorded whether sampled or not (the highest of the chunks). */
    public long slowConnectNanos() {
        return slowConnectNanos;
    }

    /** True if EndpointStatistics events give exact counts of the connections made. */
    public boolean counted() {
        return statisticsEvents > 0;
    }

    /** Connects the JVM attempted, by EndpointStatistics. */
    public long connects() {
        return connects;
    }

    /** Connections the JVM accepted, by EndpointStatistics. */
    public long accepted() {
        return accepted;
    }

    /** Connections the JVM made or accepted that the recording does not hold, by EndpointStatistics. */
    public long connectionsNotRecorded() {
        return connectionsNotRecorded;
    }

    /** Time of the last EndpointStatistics event (JVM clock): connections after it are in no count. */
    public long lastStatisticsNanos() {
        return lastStatisticsNanos;
    }

    /** Listening ports of this JVM named by its EndpointStatistics. */
    public Set<Integer> listenerPorts() {
        return listenerPorts;
    }

    /** Ports of remote endpoints this JVM connected to, named by its EndpointStatistics. */
    public Set<Integer> remotePorts() {
        return remotePorts;
    }

    /** Start of the first event read, JVM clock; {@link Long#MAX_VALUE} if none. */
    public long firstNanos() {
        return firstNanos;
    }

    /** End of the last event read, JVM clock; {@link Long#MIN_VALUE} if none. */
    public long lastNanos() {
        return lastNanos;
    }

    /**
     * One line for the reports: the sampling in force and, when counted, connections made against
     * recorded; null for a recording without Sampling events (an older agent: every connection).
     */
    public String describe() {
        if (!known()) {
            return null;
        }
        StringBuilder b = new StringBuilder(200);
        if (!sampled()) {
            b.append("sampling: off, every connection recorded");
        } else {
            b.append("sampling: normal connections sampled, at most ").append(maxConnectionsPerSecond)
                    .append(" per second and direction");
            if (minConnectionsPerSecond == 0) {
                b.append(" in some chunks, every connection in others");
            }
            b.append(String.format(Locale.ROOT, "; abnormal ones always recorded (%s; slow connect from %.1f ms, long CLOSE_WAIT from %.1f ms)",
                    abnormalPerSecond == 0 ? "no limit" : "at most " + abnormalPerSecond + " per second per endpoint and kind",
                    slowConnectNanos / 1e6, longCloseWaitNanos / 1e6));
        }
        if (counted()) {
            // periodic: what came after the last period written is in no count
            b.append("; by the EndpointStatistics up to ")
                    .append(java.time.Instant.ofEpochSecond(Math.floorDiv(lastStatisticsNanos, 1_000_000_000L),
                            Math.floorMod(lastStatisticsNanos, 1_000_000_000L)))
                    .append(" the JVM made ").append(connects).append(" connect").append(connects == 1 ? "" : "s").append(" and accepted ")
                    .append(accepted).append(", ").append(connectionsNotRecorded).append(" of them not recorded");
        }
        return b.toString();
    }

    /** The advice that goes with a sampled recording; null when every connection was recorded. */
    public String advice() {
        return sampled() ? "flows of this JVM without a recorded connection may be sampled-out connections rather than strangers;"
                + " record with settings=profile for a full join" : null;
    }
}
