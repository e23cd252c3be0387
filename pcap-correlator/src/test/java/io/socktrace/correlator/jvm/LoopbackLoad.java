package io.socktrace.correlator.jvm;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import jdk.jfr.Recording;

/**
 * Traffic for ChunkEventReaderTest's recording and for the correlator benchmark
 * (benchmarks/scripts/correlator.sh), run under the real agent while
 * tcpdump records loopback: many short-lived loopback connections, each doing a fixed number of
 * small request/response exchanges, then the client closes. Both ends live in this JVM, so the
 * recording holds a client and a server socket for every flow of the capture, and the join has
 * real work: two JVM sockets per flow, matched by 4-tuple and time.
 *
 * <p>Bounded by count and by time: stops opening connections after {@code maxSeconds}. Prints one
 * line {@code done connections N exchanges N seconds S}.
 *
 * <p>Arguments: port connections exchangesPerConnection concurrency maxSeconds [rotateEvery]. With
 * {@code rotateEvery} N, the JVM's recording starts a new chunk after every N-th finished connection
 * (a short recording starting to disk makes JFR rotate): a multi-chunk recording however fast the
 * machine runs the load, where the size limit alone rotates only when JFR's periodic check sees it.
 */
public final class LoopbackLoad {
    static final int REQUEST_BYTES = 64;
    static final int RESPONSE_BYTES = 128;

    private LoopbackLoad() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int connections = Integer.parseInt(args[1]);
        int exchanges = Integer.parseInt(args[2]);
        int concurrency = Integer.parseInt(args[3]);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[4]));
        int rotateEvery = args.length > 5 ? Integer.parseInt(args[5]) : 0;
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        AtomicLong exchanged = new AtomicLong();
        long start = System.nanoTime();
        try (ServerSocket listener = new ServerSocket(port, 1024, loopback)) {
            // twice the clients: a handler may still be reading the EOF of its previous connection
            ExecutorService handlers = Executors.newFixedThreadPool(2 * concurrency, daemon("load-server"));
            Thread acceptor = daemon("load-accept").newThread(() -> {
                try {
                    while (true) {
                        Socket s = listener.accept();
                        handlers.execute(() -> serve(s));
                    }
                } catch (IOException closed) {
                    // the listener was closed: the run is over
                }
            });
            acceptor.start();
            Thread[] clients = new Thread[concurrency];
            for (int i = 0; i < concurrency; i++) {
                clients[i] = new Thread(() -> {
                    byte[] request = new byte[REQUEST_BYTES];
                    while (next.getAndIncrement() < connections && System.nanoTime() < deadline) {
                        try (Socket c = new Socket(loopback, port)) {
                            OutputStream out = c.getOutputStream();
                            InputStream in = c.getInputStream();
                            for (int e = 0; e < exchanges; e++) {
                                out.write(request);
                                if (in.readNBytes(RESPONSE_BYTES).length != RESPONSE_BYTES) {
                                    throw new IOException("short response");
                                }
                            }
                            exchanged.addAndGet(exchanges);
                            int finished = done.incrementAndGet();
                            if (rotateEvery > 0 && finished % rotateEvery == 0) {
                                newChunk();
                            }
                        } catch (IOException e) {
                            System.err.println("load: " + e);
                        }
                    }
                }, "load-client-" + i);
                clients[i].start();
            }
            for (Thread t : clients) {
                t.join();
            }
            handlers.shutdown();
            handlers.awaitTermination(30, TimeUnit.SECONDS);
        }
        System.out.printf("done connections %d exchanges %d seconds %.1f%n", done.get(), exchanged.get(),
                (System.nanoTime() - start) / 1e9);
    }

    /** Ends the recording's current chunk: JFR rotates its disk repository whenever a recording starts. */
    private static void newChunk() {
        try (Recording rotate = new Recording()) {
            rotate.start();
        }
    }

    /** Answers every request until the client closes, then closes (so the client side holds TIME_WAIT). */
    private static void serve(Socket s) {
        byte[] response = new byte[RESPONSE_BYTES];
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            while (in.readNBytes(REQUEST_BYTES).length == REQUEST_BYTES) {
                out.write(response);
            }
        } catch (IOException e) {
            System.err.println("load server: " + e);
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
