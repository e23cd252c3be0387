package io.socktrace.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;

/** At most N permits per one-second window, on one thread or many, and a fresh allowance each window. */
class RateLimiterTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void tryAcquire_givesTheRateThenRefuses_untilTheNextWindow() {
        AtomicLongArray slots = new AtomicLongArray(2);
        long t = System.nanoTime();
        int granted = 0;
        for (int i = 0; i < 1000; i++) {
            if (RateLimiter.tryAcquire(slots, 0, 100, t)) {
                granted++;
            }
        }
        assertThat(granted).isEqualTo(100);
        // the other slot is a limiter of its own
        assertThat(RateLimiter.tryAcquire(slots, 1, 100, t)).isTrue();
        // a window later: a new allowance
        granted = 0;
        for (int i = 0; i < 1000; i++) {
            if (RateLimiter.tryAcquire(slots, 0, 100, t + SECOND)) {
                granted++;
            }
        }
        assertThat(granted).isEqualTo(100);
    }

    @Test
    void tryAcquire_zeroRate_isUnlimited() {
        AtomicLongArray slots = new AtomicLongArray(1);
        for (int i = 0; i < 10_000; i++) {
            assertThat(RateLimiter.tryAcquire(slots, 0, 0, 0)).isTrue();
        }
        assertThat(slots.get(0)).isZero();
    }

    @Test
    void tryAcquire_manyThreads_neverMoreThanTheRate() throws Exception {
        AtomicLongArray slots = new AtomicLongArray(1);
        long t = System.nanoTime();
        AtomicInteger granted = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        Thread[] threads = new Thread[8];
        for (int i = 0; i < threads.length; i++) {
            threads[i] = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int j = 0; j < 10_000; j++) {
                    if (RateLimiter.tryAcquire(slots, 0, 250, t)) {
                        granted.incrementAndGet();
                    }
                }
            });
            threads[i].start();
        }
        start.countDown();
        for (Thread thread : threads) {
            thread.join(10_000);
        }
        assertThat(granted.get()).isEqualTo(250);
    }

    @Test
    void hasPermit_tellsWithoutTaking() {
        AtomicLongArray slots = new AtomicLongArray(1);
        long t = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            assertThat(RateLimiter.hasPermit(slots, 0, 3, t)).isTrue();
            assertThat(RateLimiter.tryAcquire(slots, 0, 3, t)).isTrue();
        }
        assertThat(RateLimiter.hasPermit(slots, 0, 3, t)).isFalse();
        assertThat(RateLimiter.hasPermit(slots, 0, 3, t + SECOND)).isTrue();
        assertThat(RateLimiter.hasPermit(slots, 0, 0, t)).isTrue();
    }
}
