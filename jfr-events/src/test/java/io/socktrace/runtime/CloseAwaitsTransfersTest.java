package io.socktrace.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The advice counts a write's bytes after the JDK method returned, with its lock released. A close
 * on another thread in that moment (an HTTP server stopping right after its last response) must
 * still see those bytes: the close waits until the write's advice ended. Real loopback channels,
 * the tracer's own entry points, the writer's thread held between its write and its advice's end.
 */
class CloseAwaitsTransfersTest {

    @Test
    void closeOnAnotherThread_waitsForTheWriteThatReturnedButHasNotCounted() throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            SocketChannel client = SocketChannel.open(listener.getLocalAddress());
            try (SocketChannel server = listener.accept()) {
                Connection c = Connections.of(client);
                CountDownLatch written = new CountDownLatch(1);
                CountDownLatch release = new CountDownLatch(1);
                ByteBuffer data = ByteBuffer.allocate(5078);
                Thread writer = new Thread(() -> {
                    try {
                        long start = ChannelTracer.sendBegin(client);
                        int n = client.write(data);
                        written.countDown();
                        release.await(10, TimeUnit.SECONDS); // descheduled right after the write returned
                        ChannelTracer.sendEnd(client, start, data, n, null);
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }, "writer");
                writer.start();
                assertThat(written.await(10, TimeUnit.SECONDS)).isTrue();

                AtomicLong counted = new AtomicLong(-1);
                Thread closer = new Thread(() -> {
                    try {
                        ChannelTracer.closeBegin(client);
                        client.close();
                        ChannelTracer.closeEnd(client, null);
                        counted.set(c.bytesWritten);
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }, "closer");
                closer.start();
                Thread.sleep(5);
                assertThat(counted.get()).as("the close waits for the write's advice").isEqualTo(-1);
                release.countDown();
                closer.join(10_000);
                writer.join(10_000);
                assertThat(counted.get()).isEqualTo(5078);
                assertThat(c.awaitTransfers()).isTrue();
            }
        }
    }

    @Test
    void aCallWhoseAdviceNeverEnds_holdsTheCloseOnlyForTheBound() {
        Connection c = new Connection();
        c.readsBegun++; // a read that began and whose advice never ends (its thread died, say)
        long start = System.nanoTime();
        assertThat(c.awaitTransfers()).isFalse();
        long waited = System.nanoTime() - start;
        assertThat(waited).isGreaterThanOrEqualTo(Connection.TRANSFER_WAIT_NANOS).isLessThan(TimeUnit.SECONDS.toNanos(2));
        c.readEnded();
        assertThat(c.awaitTransfers()).isTrue();
    }

    @Test
    void anInterruptedThreadClosing_insideItsOwnRead_doesNotWaitForItself() {
        Connection c = new Connection();
        c.readsBegun++; // this thread's read, still in flight: the JDK closes inside it
        Thread.currentThread().interrupt();
        try {
            long start = System.nanoTime();
            boolean settled = c.awaitTransfers();
            long waited = System.nanoTime() - start;
            assertThat(settled).isFalse();
            assertThat(waited).isLessThan(Connection.TRANSFER_WAIT_NANOS / 4);
        } finally {
            assertThat(Thread.interrupted()).as("the interrupt is left as it was").isTrue();
        }
    }

    @Test
    void readsAndWritesThatEnded_closeWithoutWaiting() {
        Connection c = new Connection();
        for (int i = 0; i < 300; i++) { // past the byte's wrap-around
            c.readsBegun++;
            c.writesBegun++;
            c.readEnded();
            c.writeEnded();
        }
        assertThat(c.awaitTransfers()).isTrue();
    }
}
