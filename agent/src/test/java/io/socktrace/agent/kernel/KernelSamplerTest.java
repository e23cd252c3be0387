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
        // snapshots that took 150 ms (a host with tens of thousands of TIME_WAIT rows), the other
        // two hooks of the first period 1 and 2 ms after it ended, then periods at 10, 20 and 40 s
        KernelSampler sampler = new KernelSampler(null, clock(0, 150 * MS, 151 * MS, 152 * MS, 10_000 * MS, 10_150 * MS,
                20_000 * MS, 40_150 * MS, 40_300 * MS));
        sampler.budgetAlways();

        sampler.emitTcpInfo();
        sampler.emitListenQueues();
        sampler.emitNetworkStatistics();
        assertThat(sampler.snapshots()).isEqualTo(1);

        // the first snapshot was cold (classes loading, code interpreted): its cost budgets nothing
        sampler.emitTcpInfo();
        assertThat(sampler.snapshots()).isEqualTo(2);
        assertThat(sampler.skipped()).isZero();
        // 150 ms again is more than 0.5 % of the 10 s since: that period is skipped, not paid for
        sampler.emitTcpInfo();
        assertThat(sampler.snapshots()).isEqualTo(2);
        assertThat(sampler.skipped()).isEqualTo(1);
        // 30 s after the last one the budget (200 × 150 ms = 30 s) allows the next
        sampler.emitTcpInfo();
        assertThat(sampler.snapshots()).isEqualTo(3);
        assertThat(sampler.skipped()).isEqualTo(1);
    }

    @Test
    void hooks_nextPeriodJustAfterTheWindow_takesANewSnapshot() {
        // a cheap snapshot (0.1 ms): below the costly mark, never skipped
        long cost = MS / 10;
        long late = cost + KernelSampler.FRESH_NANOS;
        KernelSampler sampler = new KernelSampler(null, clock(0, cost, late - 1, late, late + cost));
        sampler.budgetAlways();

        sampler.emitTcpInfo();
        sampler.emitListenQueues(); // within the window: shared
        assertThat(sampler.snapshots()).isEqualTo(1);
        sampler.emitNetworkStatistics(); // at the window's end: a new period
        assertThat(sampler.snapshots()).isEqualTo(2);
        assertThat(sampler.skipped()).isZero();
    }
}
