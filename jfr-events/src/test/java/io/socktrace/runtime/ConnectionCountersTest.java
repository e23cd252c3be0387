package io.socktrace.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * A socket's byte counters are added to after the JDK released its read or write lock, so two
 * threads taking turns on one socket (an HTTP server's handler threads) can count at the same
 * moment: no count may be lost.
 */
class ConnectionCountersTest {

    private static final int ADDS = 2_000_000;

    @Test
    void addBytes_fromTwoThreadsAtOnce_losesNothing() throws Exception {
        Connection c = new Connection();
        CountDownLatch start = new CountDownLatch(1);
        Runnable adder = () -> {
            try {
                start.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            for (int i = 0; i < ADDS; i++) {
                c.addBytesWritten(3);
                c.addBytesRead(5);
            }
        };
        Thread a = new Thread(adder, "adder-a");
        Thread b = new Thread(adder, "adder-b");
        a.start();
        b.start();
        start.countDown();
        a.join(60_000);
        b.join(60_000);
        assertThat(a.isAlive() || b.isAlive()).isFalse();
        assertThat(c.bytesWritten).isEqualTo(2L * ADDS * 3);
        assertThat(c.bytesRead).isEqualTo(2L * ADDS * 5);
    }
}
