package io.socktrace.agent.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/** The three periodic hooks of one period share one /proc snapshot, however long it took to take. */
class KernelSamplerTest {

    private static final long MS = 1_000_000L;

    /** A clock that reads the given times in turn, then stays at the last one. */
    private static LongSupplier clock(long... nanos) {
        AtomicInteger next = new AtomicInteger();
        return () -> nanos[Math.min(next.getAndIncrement(), nanos.length - 1)];
    }

    @Test
    void hooks_snapshotSlowerThanTheFreshWindow_oneSnapshotPerPeriod() {
        // a snapshot that took 150 ms (a host with tens of thousands of TIME_WAIT rows), the other
        // two hooks of the period 1 and 2 ms after it ended, then the next period 10 s later
        KernelSampler sampler = new KernelSampler(null, clock(0, 150 * MS, 151 * MS, 152 * MS, 10_000 * MS, 10_150 * MS));

        sampler.emitTcpInfo();
        sampler.emitListenQueues();
        sampler.emitNetworkStatistics();
        assertThat(sampler.snapshots()).isEqualTo(1);

        sampler.emitTcpInfo();
        assertThat(sampler.snapshots()).isEqualTo(2);
    }

    @Test
    void hooks_nextPeriodJustAfterTheWindow_takesANewSnapshot() {
        long late = 150 * MS + KernelSampler.FRESH_NANOS;
        KernelSampler sampler = new KernelSampler(null, clock(0, 150 * MS, late - 1, late, late + MS));

        sampler.emitTcpInfo();
        sampler.emitListenQueues(); // within the window: shared
        assertThat(sampler.snapshots()).isEqualTo(1);
        sampler.emitNetworkStatistics(); // at the window's end: a new period
        assertThat(sampler.snapshots()).isEqualTo(2);
    }
}
