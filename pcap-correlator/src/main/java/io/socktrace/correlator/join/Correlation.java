package io.socktrace.correlator.join;

import io.socktrace.correlator.flow.TcpFlow;
import io.socktrace.correlator.jvm.JvmConnection;
import io.socktrace.correlator.jvm.RecordingSampling;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The JVM's connections joined to the captured TCP flows, each with its findings: what happened
 * to it, stated the way a person reading the recording next to Wireshark would.
 * {@link CorrelationBuilder} joins, {@code FindingRules} states the findings, and the reports in
 * {@code io.socktrace.correlator.report} show the result.
 */
public final class Correlation {

    /** One JVM connection with its flow (or none) and findings. */
    public static final class Joined {
        public final JvmConnection connection;
        public final TcpFlow flow;
        public final List<Finding> findings = new ArrayList<>();

        Joined(JvmConnection connection, TcpFlow flow) {
            this.connection = connection;
            this.flow = flow;
        }
    }

    /** Most flows without a JVM connection listed by name; the rest are only counted. */
    public static final int UNMATCHED_LISTED = 1_000;

    public final List<Joined> connections = new ArrayList<>();
    /** Flows without a JVM connection, the first {@link #UNMATCHED_LISTED} in capture order. */
    public final List<TcpFlow> unmatchedFlows = new ArrayList<>();
    /** All flows without a JVM connection, listed or not. */
    public final long unmatchedFlowCount;
    /** Capture time minus JVM time, estimated from handshakes; 0 when there was none to measure. */
    public final long clockOffsetNanos;
    public final int offsetSamples;
    /** Connections from more than one recording: their ids may repeat, so labels name the recording. */
    public final boolean severalRecordings;

    /** Which connections the recordings hold (sampling, counts); {@link RecordingSampling#known()} false for an older agent's. */
    public final RecordingSampling sampling;
    /**
     * Flows without a JVM connection that sampling may have left without one (a port of this JVM,
     * in the recordings' time span, sampling on): not strangers, maybe connections not recorded.
     */
    public final long possiblySampledOutCount;
    private final Set<TcpFlow> possiblySampledOut;

    Correlation(long clockOffsetNanos, int offsetSamples, long unmatchedFlowCount, boolean severalRecordings) {
        this(clockOffsetNanos, offsetSamples, unmatchedFlowCount, severalRecordings, new RecordingSampling(), 0, Set.of());
    }

    Correlation(long clockOffsetNanos, int offsetSamples, long unmatchedFlowCount, boolean severalRecordings,
            RecordingSampling sampling, long possiblySampledOutCount, Set<TcpFlow> possiblySampledOut) {
        this.sampling = sampling;
        this.possiblySampledOutCount = possiblySampledOutCount;
        this.possiblySampledOut = possiblySampledOut;
        this.severalRecordings = severalRecordings;
        this.clockOffsetNanos = clockOffsetNanos;
        this.offsetSamples = offsetSamples;
        this.unmatchedFlowCount = unmatchedFlowCount;
    }

    /** Joins a complete list of flows; {@link CorrelationBuilder} does the same as flows finish. */
    public static Correlation of(List<JvmConnection> jvm, List<TcpFlow> flows) {
        return of(jvm, flows, new RecordingSampling());
    }

    /** As {@link #of(List, List)}, knowing which connections the recordings hold. */
    public static Correlation of(List<JvmConnection> jvm, List<TcpFlow> flows, RecordingSampling sampling) {
        CorrelationBuilder builder = new CorrelationBuilder(jvm);
        builder.sampling(sampling);
        for (TcpFlow f : flows) {
            builder.offer(f);
        }
        return builder.build();
    }

    /** True if {@code flow}, one of {@link #unmatchedFlows}, may be a connection of this JVM that sampling left out. */
    public boolean possiblySampledOut(TcpFlow flow) {
        return possiblySampledOut.contains(flow);
    }

    /** How a connection is named in reports: its id, prefixed by its recording when there are several ("reset/9"). */
    public String label(JvmConnection c) {
        return severalRecordings && c.recording() != null ? c.recording() + "/" + c.connectionId() : Long.toString(c.connectionId());
    }
}
