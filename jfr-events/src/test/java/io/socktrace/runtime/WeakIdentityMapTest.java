package io.socktrace.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The late-attach map: identity keys, weak keys, and lookups that stay right while others write. */
class WeakIdentityMapTest {

    /** Equal to every other instance, with one hash code: a map comparing with equals would merge them. */
    private static final class AllEqual {
        @Override
        public boolean equals(Object o) {
            return o instanceof AllEqual;
        }

        @Override
        public int hashCode() {
            return 1;
        }
    }

    @Test
    void computeIfAbsent_equalButDistinctKeys_getTheirOwnValues() {
        WeakIdentityMap<String> map = new WeakIdentityMap<>();
        AllEqual a = new AllEqual();
        AllEqual b = new AllEqual();
        assertThat(map.computeIfAbsent(a, () -> "a")).isEqualTo("a");
        assertThat(map.computeIfAbsent(b, () -> "b")).isEqualTo("b");
        assertThat(map.computeIfAbsent(a, () -> "again")).isEqualTo("a");
        assertThat(map.get(a)).isEqualTo("a");
        assertThat(map.get(b)).isEqualTo("b");
        assertThat(map.get(new AllEqual())).isNull();
        assertThat(map.size()).isEqualTo(2);
    }

    @Test
    void remove_dropsOnlyThatKey() {
        WeakIdentityMap<Integer> map = new WeakIdentityMap<>();
        List<Object> keys = new ArrayList<>();
        for (int i = 0; i < 500; i++) { // several growths, several keys per bucket
            Object key = new Object();
            keys.add(key);
            map.computeIfAbsent(key, () -> keys.size());
        }
        map.remove(keys.get(7));
        map.remove(keys.get(7)); // a second close of the same socket changes nothing
        assertThat(map.get(keys.get(7))).isNull();
        assertThat(map.size()).isEqualTo(499);
        for (int i = 0; i < keys.size(); i++) {
            if (i != 7) {
                assertThat(map.get(keys.get(i))).as("key %d", i).isEqualTo(i + 1);
            }
        }
    }

    @Test
    void collectedKeys_leaveTheMap() throws InterruptedException {
        WeakIdentityMap<Object> map = new WeakIdentityMap<>();
        Object kept = new Object();
        map.computeIfAbsent(kept, () -> "kept");
        for (int i = 0; i < 10_000; i++) {
            map.computeIfAbsent(new Object(), Object::new); // dropped without remove, like a leaked socket
        }
        assertThat(map.size()).isGreaterThan(1); // some may be gone already, not all
        for (int i = 0; i < 100 && map.size() > 1; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertThat(map.size()).isEqualTo(1);
        assertThat(map.get(kept)).isEqualTo("kept");
    }

    @Test
    void size_countsRightWhenRemovalsSweepCollectedKeys() throws InterruptedException {
        WeakIdentityMap<Object> map = new WeakIdentityMap<>();
        List<Object> kept = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            Object key = new Object();
            if (i % 2 == 0) {
                kept.add(key);
            }
            map.computeIfAbsent(key, Object::new);
        }
        System.gc(); // the dropped half is cleared, and some of it shares buckets with the kept half
        for (Object key : kept) {
            map.remove(key); // each removal rebuilds its bucket, leaving cleared entries out too
        }
        for (int i = 0; i < 100 && map.size() > 0; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertThat(map.size()).isZero();
        for (Object key : kept) {
            assertThat(map.get(key)).isNull();
        }
    }

    @Test
    void computeIfAbsent_raceOnOneKey_everyThreadGetsTheSameValue() throws Exception {
        int threads = 8;
        int keys = 2_000;
        Object[] shared = new Object[keys];
        for (int i = 0; i < keys; i++) {
            shared[i] = new Object();
        }
        WeakIdentityMap<Object> map = new WeakIdentityMap<>();
        AtomicInteger created = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Object[]>> seen = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                seen.add(pool.submit(() -> {
                    start.await();
                    Object[] values = new Object[keys];
                    for (int i = 0; i < keys; i++) {
                        values[i] = map.computeIfAbsent(shared[i], () -> {
                            created.incrementAndGet();
                            return new Object();
                        });
                    }
                    return values;
                }));
            }
            start.countDown();
            Object[] first = seen.get(0).get(30, TimeUnit.SECONDS);
            for (Future<Object[]> other : seen) {
                Object[] values = other.get(30, TimeUnit.SECONDS);
                for (int i = 0; i < keys; i++) {
                    assertThat(values[i]).as("key %d", i).isSameAs(first[i]).isSameAs(map.get(shared[i]));
                }
            }
            assertThat(created).hasValue(keys);
            assertThat(map.size()).isEqualTo(keys);
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void get_whileOthersAddAndRemove_alwaysFindsThePresentKeys() throws Exception {
        WeakIdentityMap<String> map = new WeakIdentityMap<>();
        Object[] present = new Object[100];
        for (int i = 0; i < present.length; i++) {
            present[i] = new Object();
            String value = "v" + i;
            map.computeIfAbsent(present[i], () -> value);
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger misses = new AtomicInteger();
        AtomicInteger lookups = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> readers = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                readers.add(pool.submit(() -> {
                    while (!stop.get()) {
                        for (int i = 0; i < present.length; i++) {
                            if (!("v" + i).equals(map.get(present[i]))) {
                                misses.incrementAndGet();
                            }
                            lookups.incrementAndGet();
                        }
                    }
                }));
            }
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                writers.add(pool.submit(() -> {
                    // churn: the table grows, buckets are rebuilt, and collected keys are swept
                    for (int i = 0; i < 100_000; i++) {
                        Object transientKey = new Object();
                        map.computeIfAbsent(transientKey, () -> "transient");
                        if (i % 2 == 0) {
                            map.remove(transientKey);
                        }
                    }
                }));
            }
            for (Future<?> writer : writers) {
                writer.get(60, TimeUnit.SECONDS);
            }
            stop.set(true);
            for (Future<?> reader : readers) {
                reader.get(10, TimeUnit.SECONDS);
            }
        } finally {
            stop.set(true);
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(lookups.get()).isGreaterThan(present.length);
        assertThat(misses).hasValue(0);
        for (int i = 0; i < present.length; i++) {
            assertThat(map.get(present[i])).isEqualTo("v" + i);
        }
    }
}
