package io.socktrace.runtime;

import io.socktrace.events.EndpointStatisticsEvent;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link Endpoint}s of this JVM: each remote endpoint it connects to and each of its
 * listeners, with exact counts whether sampling recorded a connection or not, and the
 * {@code socktrace.EndpointStatistics} rows made from them each period. Bounded: at most
 * {@link #MAX_ENDPOINTS} endpoints are kept (further ones are counted together in one
 * {@code OTHER} endpoint), an endpoint idle for a period with no connection holding it is dropped,
 * and a period writes the {@link #MAX_ROWS} busiest rows and sums the rest into one.
 */
public final class Endpoints {

    static final int MAX_ENDPOINTS = 1024;
    static final int MAX_ROWS = 200;

    private static final ConcurrentHashMap<Key, Endpoint> ENDPOINTS = new ConcurrentHashMap<>();
    /** Where connections to endpoints beyond {@link #MAX_ENDPOINTS} are counted; never retired. */
    private static final Endpoint OVERFLOW = new Endpoint(Endpoint.Role.OTHER, null, null, 0);
    /** The end of the last period; the first one counts from when counting began (this class's initialisation). */
    private static long lastPeriodNanos = System.nanoTime();
    /** When the last chunk-boundary emission ran (see {@link #emitAtChunkBoundary}). */
    private static long lastBoundaryNanos;
    private static final long BOUNDARY_PAIR_NANOS = 50_000_000L;

    private Endpoints() {
    }

    /** Identity of an endpoint: the address as text, so unshared address entries still meet. */
    private static final class Key {
        final Endpoint.Role role;
        final String host;
        final String address;
        final int port;

        Key(Endpoint.Role role, String host, SharedAddresses.Address address, int port) {
            this.role = role;
            this.host = host;
            this.address = address == null ? null : address.text;
            this.port = port;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Key)) {
                return false;
            }
            Key k = (Key) o;
            return role == k.role && port == k.port && Objects.equals(host, k.host) && Objects.equals(address, k.address);
        }

        @Override
        public int hashCode() {
            return (Objects.hashCode(address) * 31 + port) * 31 + Objects.hashCode(host) + role.ordinal();
        }
    }

    /** The endpoint of a connect to {@code host} at {@code address}:{@code port}, held for the connection. */
    static Endpoint remote(String host, SharedAddresses.Address address, int port) {
        if (address != null) {
            Endpoint last = address.lastRemote;
            if (last != null && last.port == port && Objects.equals(last.host, host) && last.hold()) {
                return last;
            }
        }
        Endpoint e = held(new Key(Endpoint.Role.REMOTE, host, address, port), host, address, port);
        if (address != null && e != OVERFLOW) {
            address.lastRemote = e;
        }
        return e;
    }

    /** The endpoint of a listener bound to {@code local}:{@code port}, held for it. */
    static Endpoint listener(SharedAddresses.Address local, int port) {
        return held(new Key(Endpoint.Role.LISTENER, null, local, port), null, local, port);
    }

    private static Endpoint held(Key key, String host, SharedAddresses.Address address, int port) {
        while (true) {
            Endpoint e = ENDPOINTS.get(key);
            if (e == null) {
                if (ENDPOINTS.size() >= MAX_ENDPOINTS) {
                    OVERFLOW.hold();
                    return OVERFLOW;
                }
                Endpoint fresh = new Endpoint(key.role, host, address, port);
                e = ENDPOINTS.putIfAbsent(key, fresh);
                if (e == null) {
                    e = fresh;
                }
            }
            if (e.hold()) {
                return e;
            }
            ENDPOINTS.remove(key, e); // retired since the lookup: a new one takes its place
        }
    }

    /**
     * This JVM's use of local ports toward remote endpoints right now: {@code [0]} its connections
     * in TIME_WAIT (the ones it closed first within the kernel's 60 s: TIME_WAIT rows have no owner
     * in /proc, but the agent counted its own closes), {@code [1]} its open outgoing connections.
     * Every endpoint and open socket once: for a periodic event.
     */
    public static long[] localPortUse() {
        long now = System.nanoTime();
        long[] use = new long[2];
        for (Endpoint e : ENDPOINTS.values()) {
            if (e.role == Endpoint.Role.REMOTE) {
                use[0] += e.inTimeWait(now);
            }
        }
        OpenSockets.forEach(c -> {
            Endpoint e = c.endpoint;
            if (e != null && e.role == Endpoint.Role.REMOTE && (c.phase == Connection.Phase.CONNECTED || c.phase == Connection.Phase.CONNECTING)) {
                use[1]++;
            }
        });
        return use;
    }

    /** The size of the kernel's ephemeral port range ({@code ip_local_port_range}), 0 when unknown. */
    public static long localPortRangeSize() {
        return LocalPortRange.size();
    }

    /** Endpoints kept now; for tests. */
    static int size() {
        return ENDPOINTS.size();
    }

    /** One row of a period: an endpoint's (or several endpoints') counts since the previous period. */
    static final class Row {
        final Endpoint.Role role;
        final String host;
        final String address;
        final int port;
        int endpoints = 1;
        final long[] delta;
        long open;
        long closeWait;
        long timeWait;

        Row(Endpoint e, long[] delta) {
            this.role = e.role;
            this.host = e.host;
            this.address = e.address == null ? null : e.address.text;
            this.port = e.port;
            this.delta = delta;
        }

        Row(long[] delta) {
            this.role = Endpoint.Role.OTHER;
            this.host = null;
            this.address = null;
            this.port = 0;
            this.endpoints = 0;
            this.delta = delta;
        }

        long activity() {
            long a = open;
            for (int i = 0; i < Endpoint.CONNECT_TIME_TOTAL; i++) {
                a += delta[i];
            }
            for (int i = Endpoint.CLOSES; i < Endpoint.COUNTERS; i++) {
                a += delta[i];
            }
            return a;
        }

        void addAll(Row other) {
            for (int i = 0; i < delta.length; i++) {
                delta[i] = i == Endpoint.CONNECT_TIME_MAX ? Math.max(delta[i], other.delta[i]) : delta[i] + other.delta[i];
            }
            open += other.open;
            closeWait += other.closeWait;
            timeWait += other.timeWait;
            endpoints += other.endpoints;
        }
    }

    /**
     * The rows of the period that ends now: every endpoint with something to tell, the busiest
     * {@link #MAX_ROWS} one by one and the rest in one {@code OTHER} row; endpoints idle since the
     * previous period and held by no connection are dropped. Called by one thread at a time (the
     * JFR periodic task); bytes moved by open connections are counted up to now on the way.
     */
    static synchronized List<Row> collect() {
        IdentityHashMap<Endpoint, long[]> open = new IdentityHashMap<>();
        for (OpenSockets.Tracked t : OpenSockets.snapshot()) {
            Connection c = t.connection;
            Endpoint e = c.endpoint;
            if (e == null) {
                continue;
            }
            c.countBytes(e);
            if (c.phase == Connection.Phase.CONNECTED) {
                long[] o = open.computeIfAbsent(e, k -> new long[2]);
                o[0]++;
                if (c.endOfStreamNanos != 0) {
                    o[1]++;
                }
            }
        }
        List<Row> rows = new ArrayList<>();
        for (Endpoint e : ENDPOINTS.values()) {
            long[] o = open.get(e);
            if (o == null && e.idlePeriods > 0 && e.retireIfUnheld()) {
                ENDPOINTS.remove(new Key(e.role, e.host, e.address, e.port), e);
            }
            addRow(rows, e, o);
        }
        addRow(rows, OVERFLOW, open.get(OVERFLOW));
        if (rows.size() <= MAX_ROWS) {
            return rows;
        }
        rows.sort((a, b) -> Long.compare(b.activity(), a.activity()));
        Row other = new Row(new long[Endpoint.COUNTERS]);
        for (Row r : rows.subList(MAX_ROWS, rows.size())) {
            other.addAll(r);
        }
        List<Row> kept = new ArrayList<>(rows.subList(0, MAX_ROWS));
        kept.add(other);
        return kept;
    }

    private static void addRow(List<Row> rows, Endpoint e, long[] open) {
        long[] delta = new long[Endpoint.COUNTERS];
        boolean active = false;
        for (int i = 0; i < Endpoint.COUNTERS; i++) {
            long now = i == Endpoint.CONNECT_TIME_MAX ? e.counts.getAndSet(i, 0) : e.counts.get(i);
            delta[i] = i == Endpoint.CONNECT_TIME_MAX ? now : now - e.reported[i];
            e.reported[i] = now;
            active |= delta[i] != 0;
        }
        long timeWait = e.role == Endpoint.Role.REMOTE ? e.inTimeWait(System.nanoTime()) : 0;
        if (!active && open == null && timeWait == 0) {
            e.idlePeriods++;
            return;
        }
        e.idlePeriods = 0;
        Row row = new Row(e, delta);
        if (e == OVERFLOW) {
            row.endpoints = 0; // unknown how many: the OTHER row says at least the ones it summed
        }
        if (open != null) {
            row.open = open[0];
            row.closeWait = open[1];
        }
        row.timeWait = timeWait;
        rows.add(row);
    }

    /**
     * Records this period's {@code socktrace.EndpointStatistics} rows; the agent registers it as
     * the event's periodic task.
     */
    public static void emit() {
        emitSince(System.nanoTime());
    }

    /**
     * Records the rows of a period cut short by a chunk's end, so that what happened since the
     * last period is in the recording when it stops or the JVM exits (JFR runs its end-of-chunk
     * tasks then; a timed period that has not come round yet never does). The agent calls it from
     * a task JFR runs at each chunk's beginning and end. Where a chunk ends and the next begins
     * at once, the task runs twice within milliseconds: the second
     * call leaves the counts where they are, for the next period, rather than writing the open
     * connections' rows again.
     */
    public static void emitAtChunkBoundary() {
        long now = System.nanoTime();
        synchronized (Endpoints.class) {
            if (lastBoundaryNanos != 0 && now - lastBoundaryNanos < BOUNDARY_PAIR_NANOS) {
                return;
            }
            lastBoundaryNanos = now;
        }
        if (new EndpointStatisticsEvent().isEnabled()) {
            emitSince(now);
        }
    }

    private static void emitSince(long now) {
        long period;
        synchronized (Endpoints.class) {
            period = now - lastPeriodNanos;
            lastPeriodNanos = now;
        }
        List<Row> rows = collect();
        for (Row r : rows) {
            EndpointStatisticsEvent e = new EndpointStatisticsEvent();
            if (!e.shouldCommit()) {
                return;
            }
            fill(e, r, period);
            e.commit();
        }
    }

    static void fill(EndpointStatisticsEvent e, Row r, long period) {
        long[] d = r.delta;
        e.role = r.role.name();
        e.host = r.host;
        e.address = r.address;
        e.port = r.port;
        e.endpoints = r.endpoints;
        e.period = period;
        int o = Endpoint.CONNECT_OUTCOMES;
        e.connected = d[o + ConnectOutcome.CONNECTED.ordinal()];
        e.refused = d[o + ConnectOutcome.REFUSED.ordinal()];
        e.timedOut = d[o + ConnectOutcome.TIMED_OUT.ordinal()];
        e.unreachable = d[o + ConnectOutcome.UNREACHABLE.ordinal()];
        e.unresolved = d[o + ConnectOutcome.UNRESOLVED.ordinal()];
        e.interrupted = d[o + ConnectOutcome.INTERRUPTED.ordinal()] + d[o + ConnectOutcome.CLOSED.ordinal()];
        e.noLocalPort = d[o + ConnectOutcome.NO_LOCAL_PORT.ordinal()];
        e.otherConnectFailures = d[o + ConnectOutcome.ERROR.ordinal()];
        e.connects = e.connected + e.refused + e.timedOut + e.unreachable + e.unresolved + e.interrupted + e.noLocalPort
                + e.otherConnectFailures;
        e.accepted = d[Endpoint.ACCEPTED];
        e.acceptFailures = d[Endpoint.ACCEPT_FAILURES];
        e.connectTimeTotal = d[Endpoint.CONNECT_TIME_TOTAL];
        e.connectTimeMax = d[Endpoint.CONNECT_TIME_MAX];
        long[] b = new long[Endpoint.BUCKET_COUNT];
        System.arraycopy(d, Endpoint.BUCKETS, b, 0, b.length);
        e.connectTimeP50 = percentile(b, 0.50, e.connectTimeMax);
        e.connectTimeP99 = percentile(b, 0.99, e.connectTimeMax);
        e.connectsWithin100us = b[0];
        e.connectsWithin250us = b[1];
        e.connectsWithin500us = b[2];
        e.connectsWithin1ms = b[3];
        e.connectsWithin2500us = b[4];
        e.connectsWithin5ms = b[5];
        e.connectsWithin10ms = b[6];
        e.connectsWithin25ms = b[7];
        e.connectsWithin50ms = b[8];
        e.connectsWithin100ms = b[9];
        e.connectsWithin250ms = b[10];
        e.connectsWithin500ms = b[11];
        e.connectsWithin1s = b[12];
        e.connectsWithin2500ms = b[13];
        e.connectsWithin5s = b[14];
        e.connectsWithin10s = b[15];
        e.connectsOver10s = b[16];
        e.bytesRead = d[Endpoint.BYTES_READ];
        e.bytesWritten = d[Endpoint.BYTES_WRITTEN];
        e.resets = d[Endpoint.RESETS];
        e.closedLocal = d[Endpoint.CLOSES + CloseInitiator.LOCAL.ordinal()];
        e.closedPeer = d[Endpoint.CLOSES + CloseInitiator.PEER.ordinal()];
        e.closedAbort = d[Endpoint.CLOSES + CloseInitiator.ABORT.ordinal()];
        e.closedAfterError = d[Endpoint.CLOSES + CloseInitiator.AFTER_ERROR.ordinal()];
        e.leaked = d[Endpoint.LEAKED];
        e.openConnections = r.open;
        e.closeWaitConnections = r.closeWait;
        e.timeWaitConnections = r.timeWait;
        if (r.role == Endpoint.Role.REMOTE) {
            e.localPortsInUse = r.open + r.timeWait;
            e.localPortRange = LocalPortRange.size();
        }
        e.connectionsNotRecorded = d[Endpoint.CONNECTIONS_NOT_RECORDED];
        e.eventsNotRecorded = d[Endpoint.EVENTS_NOT_RECORDED];
    }

    /** The upper bound of the bucket holding quantile {@code q} of the counts {@code buckets}; 0 when empty. */
    static long percentile(long[] buckets, double q, long max) {
        long total = 0;
        for (long n : buckets) {
            total += n;
        }
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int i = 0; i < buckets.length; i++) {
            seen += buckets[i];
            if (seen >= rank) {
                return Endpoint.bucketBound(i, max);
            }
        }
        return max;
    }
}
