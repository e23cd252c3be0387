package io.socktrace.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The per-endpoint statistics: exact deltas per period, latency buckets and percentiles, endpoints
 * dropped when idle and unheld (and never while held), and the row limit's OTHER row. The
 * registry is static: each test uses addresses of its own and reads only its own rows.
 */
class EndpointsTest {

    private static SharedAddresses.Address address(String text) throws Exception {
        return SharedAddresses.of(InetAddress.getByName(text));
    }

    private static Endpoints.Row rowOf(List<Endpoints.Row> rows, String address, int port) {
        return rows.stream().filter(r -> address.equals(r.address) && r.port == port).findFirst().orElse(null);
    }

    @Test
    void collect_givesEachPeriodsDeltas_andThePercentiles() throws Exception {
        SharedAddresses.Address a = address("127.0.10.1");
        Endpoint e = Endpoints.remote("db", a, 5432);
        assertThat(Endpoints.remote("db", a, 5432)).isSameAs(e); // the address's cached endpoint
        for (int i = 0; i < 98; i++) {
            e.connectEnded(ConnectOutcome.CONNECTED, 80_000); // 80 µs
        }
        e.connectEnded(ConnectOutcome.REFUSED, 40_000);
        e.connectEnded(ConnectOutcome.TIMED_OUT, 3_000_000_000L);
        e.add(Endpoint.CLOSES + CloseInitiator.ABORT.ordinal(), 2);

        Endpoints.Row row = rowOf(Endpoints.collect(), "127.0.10.1", 5432);
        assertThat(row.role).isEqualTo(Endpoint.Role.REMOTE);
        assertThat(row.host).isEqualTo("db");
        assertThat(row.delta[Endpoint.CONNECT_OUTCOMES + ConnectOutcome.CONNECTED.ordinal()]).isEqualTo(98);
        assertThat(row.delta[Endpoint.CONNECT_OUTCOMES + ConnectOutcome.REFUSED.ordinal()]).isEqualTo(1);
        assertThat(row.delta[Endpoint.CONNECT_TIME_MAX]).isEqualTo(3_000_000_000L);
        assertThat(row.delta[Endpoint.CLOSES + CloseInitiator.ABORT.ordinal()]).isEqualTo(2);
        io.socktrace.events.EndpointStatisticsEvent event = new io.socktrace.events.EndpointStatisticsEvent();
        Endpoints.fill(event, row, 10_000_000_000L);
        assertThat(event.connects).isEqualTo(100);
        assertThat(event.connectsWithin100us).isEqualTo(99);
        assertThat(event.connectsWithin5s).isEqualTo(1);
        assertThat(event.connectTimeP50).isEqualTo(100_000); // the upper bound of the bucket that holds it
        assertThat(event.connectTimeP99).isEqualTo(100_000);
        assertThat(event.closedAbort).isEqualTo(2);

        // the next period: only what happened since, and the maximum starts again
        e.connectEnded(ConnectOutcome.CONNECTED, 2_000_000);
        row = rowOf(Endpoints.collect(), "127.0.10.1", 5432);
        assertThat(row.delta[Endpoint.CONNECT_OUTCOMES + ConnectOutcome.CONNECTED.ordinal()]).isEqualTo(1);
        assertThat(row.delta[Endpoint.CONNECT_OUTCOMES + ConnectOutcome.REFUSED.ordinal()]).isZero();
        assertThat(row.delta[Endpoint.CONNECT_TIME_MAX]).isEqualTo(2_000_000);
        e.release();
        e.release();
    }

    @Test
    void closesThisSideMadeFirst_countAsTimeWait_for60Seconds() throws Exception {
        Endpoint e = new Endpoint(Endpoint.Role.REMOTE, null, address("127.0.10.9"), 80);
        long t = 1_000 * Endpoint.TIME_WAIT_SLOT_NANOS + 1; // the start of a slot
        for (int i = 0; i < 7; i++) {
            e.closedFirst(t);
        }
        e.closedFirst(t + 20_000_000_000L);
        e.closedFirst(t + 20_000_000_000L);
        assertThat(e.inTimeWait(t)).isEqualTo(7);
        assertThat(e.inTimeWait(t + 20_000_000_000L)).isEqualTo(9);
        // Linux's 60 s: the first seven leave in the slot that ends 60 s after theirs
        assertThat(e.inTimeWait(t + 59_000_000_000L)).isEqualTo(9);
        assertThat(e.inTimeWait(t + 60_000_000_000L)).isEqualTo(2);
        assertThat(e.inTimeWait(t + 80_000_000_000L)).isZero();
        // a slot reused a minute later starts from zero
        e.closedFirst(t + 60_000_000_000L);
        assertThat(e.inTimeWait(t + 60_000_000_000L)).isEqualTo(3);
    }

    @Test
    void localPortRange_parsesTheProcFile() {
        assertThat(LocalPortRange.parse("32768\t60999\n")).isEqualTo(28232);
        assertThat(LocalPortRange.parse("40000 40009")).isEqualTo(10);
        assertThat(LocalPortRange.parse("garbage")).isZero();
        assertThat(LocalPortRange.size()).as("this machine's range").isBetween(1L, 65535L);
    }

    @Test
    void percentile_isTheBucketBound_neverAboveTheMaximum() {
        long[] buckets = new long[Endpoint.BUCKET_COUNT];
        buckets[0] = 50; // ≤ 100 µs
        buckets[3] = 49; // ≤ 1 ms
        buckets[Endpoint.BUCKET_COUNT - 1] = 1; // > 10 s
        assertThat(Endpoints.percentile(buckets, 0.50, 12_000_000_000L)).isEqualTo(100_000);
        assertThat(Endpoints.percentile(buckets, 0.99, 12_000_000_000L)).isEqualTo(1_000_000);
        assertThat(Endpoints.percentile(buckets, 1.0, 12_000_000_000L)).isEqualTo(12_000_000_000L);
        long[] one = new long[Endpoint.BUCKET_COUNT];
        one[0] = 1;
        assertThat(Endpoints.percentile(one, 0.99, 30_000)).isEqualTo(30_000);
        assertThat(Endpoints.percentile(new long[Endpoint.BUCKET_COUNT], 0.5, 0)).isZero();
    }

    @Test
    void idleUnheldEndpoint_isDropped_butNeverWhileAConnectionHoldsIt() throws Exception {
        SharedAddresses.Address a = address("127.0.10.2");
        Endpoint held = Endpoints.remote(null, a, 1);
        Endpoint dropped = Endpoints.remote(null, a, 2);
        dropped.connectEnded(ConnectOutcome.REFUSED, 1000);
        dropped.release();
        assertThat(rowOf(Endpoints.collect(), "127.0.10.2", 2)).isNotNull(); // active: reported
        Endpoints.collect(); // idle for a period
        Endpoints.collect(); // idle again and unheld: retired
        assertThat(dropped.isRetired()).isTrue();
        assertThat(held.isRetired()).isFalse();
        // a new connection to the dropped endpoint gets a fresh one, counting from zero
        Endpoint again = Endpoints.remote(null, a, 2);
        assertThat(again).isNotSameAs(dropped);
        again.connectEnded(ConnectOutcome.CONNECTED, 1000);
        Endpoints.Row row = rowOf(Endpoints.collect(), "127.0.10.2", 2);
        assertThat(row.delta[Endpoint.CONNECT_OUTCOMES + ConnectOutcome.CONNECTED.ordinal()]).isEqualTo(1);
        assertThat(row.delta[Endpoint.CONNECT_OUTCOMES + ConnectOutcome.REFUSED.ordinal()]).isZero();
        again.release();
        held.release();
    }

    @Test
    void manyEndpoints_busiestRowsThenOneOtherRow_andTheRegistryStaysBounded() throws Exception {
        Endpoints.collect(); // start from a clean period
        SharedAddresses.Address a = address("127.0.10.3");
        int count = Endpoints.MAX_ROWS + 50;
        for (int port = 1; port <= count; port++) {
            Endpoint e = Endpoints.remote(null, a, port);
            for (int i = 0; i < port; i++) {
                e.connectEnded(ConnectOutcome.CONNECTED, 1000);
            }
            e.release();
        }
        List<Endpoints.Row> rows = Endpoints.collect();
        assertThat(rows).hasSize(Endpoints.MAX_ROWS + 1);
        Endpoints.Row other = rows.get(rows.size() - 1);
        assertThat(other.role).isEqualTo(Endpoint.Role.OTHER);
        assertThat(other.endpoints).isEqualTo(50);
        // the 50 least busy ports (1..50) are summed there: 1 + 2 + ... + 50 connects
        assertThat(other.delta[Endpoint.CONNECT_OUTCOMES + ConnectOutcome.CONNECTED.ordinal()]).isEqualTo(50 * 51 / 2);
        assertThat(rowOf(rows, "127.0.10.3", count)).isNotNull();
        assertThat(rowOf(rows, "127.0.10.3", 1)).isNull();
        assertThat(Endpoints.size()).isLessThanOrEqualTo(Endpoints.MAX_ENDPOINTS);
        Endpoints.collect();
        Endpoints.collect(); // all idle and unheld: dropped
        assertThat(Endpoints.size()).isLessThan(count);
    }
}
