package io.socktrace.bench;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The workloads {@link Throughput} runs in child JVMs, one per process so that each configuration
 * (no agent, agent, JDK events) starts from scratch. Each runs over loopback for a warm-up and a
 * measured time, bounded by time and by an operation count, and prints one line
 * {@code result <operations per second>}; the failure storms also print {@code wall <operations
 * per wall second>} (their result is per CPU second), and every workload that can prints
 * {@code operations <count of the whole run, warm-up included>} and {@code seconds <the whole
 * run's wall time>}, so that what a recording of the run holds can be set against what the run did.
 * Usage: {@code Workloads <name> <warm-up s> <measured s> [size]}.
 */
public final class Workloads {

    /** Upper bound on operations of one run, whatever the time says. */
    static final long MAX_OPERATIONS = 100_000_000L;

    /** The run's own operation counter, read once more after the measurement for the "operations" line. */
    private static volatile LongAdder runOperations;

    /** When main started, for the "seconds" line. */
    private static final long STARTED = System.nanoTime();

    private Workloads() {
    }

    public static void main(String[] args) throws Exception {
        String name = args[0];
        long warmup = (long) (Double.parseDouble(args[1]) * 1e9);
        long measured = (long) (Double.parseDouble(args[2]) * 1e9);
        double result;
        switch (name) {
            case "pingpong":
                result = pingPong(Integer.parseInt(args[3]), warmup, measured, false);
                break;
            case "pingpong-cpu":
                result = pingPong(Integer.parseInt(args[3]), warmup, measured, true);
                break;
            case "nio":
                result = nioEcho(16, 64, warmup, measured, false);
                break;
            case "nio-cpu":
                result = nioEcho(16, 64, warmup, measured, true);
                break;
            case "churn":
                result = churn(warmup, measured, false);
                break;
            case "churn-cpu":
                result = churn(warmup, measured, true);
                break;
            case "calls-cpu":
                result = callsPerCpuSecond(Integer.parseInt(args[3]), warmup, measured);
                break;
            case "calls-cpu-deep":
                result = atDepth(Integer.parseInt(args[4]), () -> callsPerCpuSecond(Integer.parseInt(args[3]), warmup, measured));
                break;
            case "virtual":
                result = virtualThreads(1000, 64, warmup, measured);
                break;
            case "refused-storm":
                result = refusedStorm(warmup, measured);
                break;
            case "reset-storm":
                result = resetStorm(warmup, measured);
                break;
            case "netty-epoll-pingpong":
                result = NettyWorkloads.pingPong(Integer.parseInt(args[3]), warmup, measured);
                break;
            case "netty-epoll-churn":
                result = NettyWorkloads.churn(warmup, measured);
                break;
            default:
                throw new IllegalArgumentException("unknown workload " + name);
        }
        System.out.printf("result %.1f%n", result);
        LongAdder ops = runOperations;
        if (ops != null) {
            System.out.printf("operations %d%n", ops.sum());
            System.out.printf("seconds %.3f%n", (System.nanoTime() - STARTED) / 1e9);
        }
    }

    /** Measures operations counted by {@code counter} between warm-up end and measured end, per second of wall time. */
    private static double rate(LongAdder counter, long warmupNanos, long measuredNanos) throws InterruptedException {
        runOperations = counter;
        return rate(counter, warmupNanos, measuredNanos, System::nanoTime);
    }

    /** The same per second of {@code clock} (nanoseconds). */
    private static double rate(LongAdder counter, long warmupNanos, long measuredNanos, java.util.function.LongSupplier clock)
            throws InterruptedException {
        TimeUnit.NANOSECONDS.sleep(warmupNanos);
        long from = counter.sum();
        long start = clock.getAsLong();
        TimeUnit.NANOSECONDS.sleep(measuredNanos);
        long done = counter.sum() - from;
        return done / ((clock.getAsLong() - start) / 1e9);
    }

    /** One blocking client and one server thread: the client writes {@code size} bytes, the server echoes them. */
    static double pingPong(int size, long warmupNanos, long measuredNanos, boolean perCpuSecond) throws Exception {
        LongAdder roundTrips = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread server = daemon("pingpong-server", () -> {
                try (Socket s = listener.accept()) {
                    s.setTcpNoDelay(true);
                    echoLoop(s, size);
                }
            });
            server.start();
            Thread client = daemon("pingpong-client", () -> {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
                    s.setTcpNoDelay(true);
                    requestLoop(s, size, roundTrips, stop);
                }
            });
            client.start();
            double rate = rate(roundTrips, warmupNanos, measuredNanos, perCpuSecond);
            stop.set(true);
            client.join(5000);
            return rate;
        }
    }

    /**
     * One thread, one loopback pair: writes {@code size} bytes on one end, reads them on the other,
     * writes back and reads back, four socket calls that never block. Counts operations per second
     * of that thread's CPU time, not of wall time: time the thread spends descheduled on a shared
     * machine does not count, which makes the cost of each instrumented call show through noise
     * that swamps wall-time figures.
     */
    static double callsPerCpuSecond(int size, long warmupNanos, long measuredNanos) throws Exception {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
             Socket server = listener.accept()) {
            client.setTcpNoDelay(true);
            server.setTcpNoDelay(true);
            DataInputStream clientIn = new DataInputStream(client.getInputStream());
            DataInputStream serverIn = new DataInputStream(server.getInputStream());
            OutputStream clientOut = client.getOutputStream();
            OutputStream serverOut = server.getOutputStream();
            byte[] buf = new byte[size];
            long measuredFrom = System.nanoTime() + warmupNanos;
            long end = measuredFrom + measuredNanos;
            long cpuFrom = -1;
            long operations = 0;
            for (long i = 0; i < MAX_OPERATIONS; i++) {
                clientOut.write(buf);
                serverIn.readFully(buf);
                serverOut.write(buf);
                clientIn.readFully(buf);
                if ((i & 255) == 0) {
                    long now = System.nanoTime();
                    if (cpuFrom < 0 && now >= measuredFrom) {
                        cpuFrom = threads.getCurrentThreadCpuTime();
                        operations = 0;
                    } else if (now >= end) {
                        break;
                    }
                }
                operations++;
            }
            return operations / ((threads.getCurrentThreadCpuTime() - cpuFrom) / 1e9);
        }
    }

    /** A measurement that may throw. */
    interface Measurement {
        double run() throws Exception;
    }

    /**
     * Runs {@code measurement} {@code frames} calls deeper than here: an application's socket
     * calls come from a stack of tens of frames (framework, pool, client library), and JFR walks
     * every frame of it for each recorded event, the JDK's events and socktrace's alike.
     */
    static double atDepth(int frames, Measurement measurement) throws Exception {
        return frames <= 0 ? measurement.run() : atDepth(frames - 1, measurement);
    }

    private static void echoLoop(Socket s, int size) throws IOException {
        DataInputStream in = new DataInputStream(s.getInputStream());
        OutputStream out = s.getOutputStream();
        byte[] buf = new byte[size];
        try {
            while (true) {
                in.readFully(buf);
                out.write(buf);
            }
        } catch (java.io.EOFException end) {
            // the client closed
        }
    }

    private static void requestLoop(Socket s, int size, LongAdder roundTrips, AtomicBoolean stop) throws IOException {
        DataInputStream in = new DataInputStream(s.getInputStream());
        OutputStream out = s.getOutputStream();
        byte[] buf = new byte[size];
        for (long i = 0; i < MAX_OPERATIONS && !stop.get(); i++) {
            out.write(buf);
            in.readFully(buf);
            roundTrips.increment();
        }
    }

    /**
     * A single-threaded selector echo server (non-blocking SocketChannels) and {@code clients}
     * blocking clients doing request/response of {@code size} bytes: round trips per second, all
     * clients together.
     */
    static double nioEcho(int clients, int size, long warmupNanos, long measuredNanos, boolean perCpuSecond) throws Exception {
        LongAdder roundTrips = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicBoolean clientsStop = new AtomicBoolean();
        try (ServerSocketChannel listener = ServerSocketChannel.open(); Selector selector = Selector.open()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            listener.configureBlocking(false);
            listener.register(selector, SelectionKey.OP_ACCEPT);
            int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
            Thread server = daemon("nio-server", () -> {
                ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
                while (!stop.get()) {
                    selector.select(100);
                    for (SelectionKey key : selector.selectedKeys()) {
                        if (key.isAcceptable()) {
                            SocketChannel ch = listener.accept();
                            if (ch != null) {
                                ch.configureBlocking(false);
                                ch.register(selector, SelectionKey.OP_READ);
                            }
                        } else if (key.isReadable()) {
                            SocketChannel ch = (SocketChannel) key.channel();
                            buf.clear();
                            int n = ch.read(buf);
                            if (n < 0) {
                                key.cancel();
                                ch.close();
                                continue;
                            }
                            buf.flip();
                            while (buf.hasRemaining()) {
                                ch.write(buf); // small echoes fit the socket buffer; a stall would only spin here
                            }
                        }
                    }
                    selector.selectedKeys().clear();
                }
            });
            server.start();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                Thread t = daemon("nio-client-" + i, () -> {
                    try (SocketChannel ch = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
                        ch.socket().setTcpNoDelay(true);
                        ByteBuffer out = ByteBuffer.allocate(size);
                        ByteBuffer in = ByteBuffer.allocate(size);
                        for (long k = 0; k < MAX_OPERATIONS && !clientsStop.get(); k++) {
                            out.clear();
                            while (out.hasRemaining()) {
                                ch.write(out);
                            }
                            in.clear();
                            while (in.hasRemaining()) {
                                if (ch.read(in) < 0) {
                                    return;
                                }
                            }
                            roundTrips.increment();
                        }
                    }
                });
                threads.add(t);
                t.start();
            }
            double rate = rate(roundTrips, warmupNanos, measuredNanos, perCpuSecond);
            // the clients first, while the server still echoes: each ends after its round trip
            // (stopping the server first left them blocked in a read, 5 s of join each)
            clientsStop.set(true);
            for (Thread t : threads) {
                t.join(5000);
            }
            stop.set(true);
            server.join(5000);
            return rate;
        }
    }

    /**
     * Connect, one byte each way, close (the client closes first): connections per second of wall
     * time, or with {@code perCpuSecond} per second of the whole process's CPU time (both workload
     * threads, JFR's threads, the agent's, GC and JIT: everything the process spent), which time
     * spent descheduled on a shared machine does not inflate.
     */
    static double churn(long warmupNanos, long measuredNanos, boolean perCpuSecond) throws Exception {
        LongAdder connections = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        try (ServerSocket listener = new ServerSocket(0, 200, InetAddress.getLoopbackAddress())) {
            Thread server = daemon("churn-server", () -> {
                while (!listener.isClosed()) {
                    try (Socket s = listener.accept()) {
                        InputStream in = s.getInputStream();
                        int b = in.read();
                        s.getOutputStream().write(b);
                        in.read(); // the client's close: it closes first, so TIME_WAIT stays on its side
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
            server.start();
            Thread client = daemon("churn-client", () -> {
                for (long i = 0; i < MAX_OPERATIONS && !stop.get(); i++) {
                    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
                        s.getOutputStream().write(1);
                        s.getInputStream().read();
                    }
                    connections.increment();
                }
            });
            client.start();
            double rate = rate(connections, warmupNanos, measuredNanos, perCpuSecond);
            stop.set(true);
            client.join(5000);
            return rate;
        }
    }

    /** {@link #ratePerCpuSecond} or, if not {@code perCpuSecond}, {@link #rate} per second of wall time. */
    private static double rate(LongAdder counter, long warmupNanos, long measuredNanos, boolean perCpuSecond)
            throws InterruptedException {
        return perCpuSecond ? ratePerCpuSecond(counter, warmupNanos, measuredNanos) : rate(counter, warmupNanos, measuredNanos);
    }

    /** Like {@link #rate}, per second of the process's CPU time instead of wall time. */
    static double ratePerCpuSecond(LongAdder counter, long warmupNanos, long measuredNanos) throws InterruptedException {
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        runOperations = counter;
        return rate(counter, warmupNanos, measuredNanos, os::getProcessCpuTime);
    }

    /**
     * Both rates over one window: per second of the process's CPU time (returned) and per second
     * of wall time (printed as the {@code wall} line). A failure storm's cost is the CPU each
     * failure takes; the wall rate says what a retrying client would see.
     */
    private static double cpuAndWallRates(LongAdder counter, long warmupNanos, long measuredNanos) throws InterruptedException {
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        runOperations = counter;
        TimeUnit.NANOSECONDS.sleep(warmupNanos);
        long from = counter.sum();
        long wallFrom = System.nanoTime();
        long cpuFrom = os.getProcessCpuTime();
        TimeUnit.NANOSECONDS.sleep(measuredNanos);
        long done = counter.sum() - from;
        long cpu = os.getProcessCpuTime() - cpuFrom;
        long wall = System.nanoTime() - wallFrom;
        System.out.printf("wall %.1f%n", done / (wall / 1e9));
        return done / (cpu / 1e9);
    }

    /**
     * A loopback port that refuses connections: one the kernel handed out to a listener that is
     * closed again. Nothing of this process listens there afterwards; another process could take
     * it, which {@link #refusedStorm} notices (a connect that succeeds fails the run). A connect
     * that picked this very port as its own source would connect to itself; Linux hands a
     * listener's bind an odd port and prefers even ones for connects, so that takes the even
     * ports running out.
     */
    private static InetSocketAddress refusedPort() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /**
     * A client retrying a loopback port with no listener, as fast as it can: blocking connects,
     * each refused at once by the kernel (RST to the SYN, no TIME_WAIT left behind). Operations
     * are refused connects, per CPU second of the process (result) and per wall second.
     */
    static double refusedStorm(long warmupNanos, long measuredNanos) throws Exception {
        InetSocketAddress target = refusedPort();
        LongAdder refused = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        java.util.concurrent.atomic.AtomicReference<String> wrong = new java.util.concurrent.atomic.AtomicReference<>();
        Thread client = daemon("refused-client", () -> {
            for (long i = 0; i < MAX_OPERATIONS && !stop.get(); i++) {
                try (Socket s = new Socket()) {
                    s.connect(target);
                    wrong.set("a connect to " + target + " succeeded: something listens there now");
                    return;
                } catch (java.net.ConnectException expected) {
                    refused.increment();
                } catch (IOException other) {
                    wrong.set("a connect to " + target + " failed otherwise than refused: " + other);
                    return;
                }
            }
        });
        client.start();
        double rate = cpuAndWallRates(refused, warmupNanos, measuredNanos);
        stop.set(true);
        client.join(5000);
        if (wrong.get() != null) {
            throw new IllegalStateException(wrong.get());
        }
        return rate;
    }

    /**
     * A server that resets every connection it accepts, and one client: the client connects,
     * writes a byte and blocks in a read; the server reads that byte and closes with SO_LINGER 0,
     * which sends an RST (no FIN), so the client's read fails with "Connection reset" (it finds
     * the reset whether it is already blocked or reads after it arrived). Operations are
     * connections, per CPU second of the process (result) and per wall second; the {@code resets}
     * and {@code eofs} lines say what the client saw, and a run where a reset was not what it saw
     * nearly always fails.
     */
    static double resetStorm(long warmupNanos, long measuredNanos) throws Exception {
        LongAdder connections = new LongAdder();
        LongAdder resets = new LongAdder();
        LongAdder eofs = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        try (ServerSocket listener = new ServerSocket(0, 200, InetAddress.getLoopbackAddress())) {
            Thread server = daemon("reset-server", () -> {
                while (!listener.isClosed()) {
                    try (Socket s = listener.accept()) {
                        s.getInputStream().read();
                        s.setSoLinger(true, 0);
                    } catch (IOException closed) {
                        if (listener.isClosed()) {
                            return;
                        }
                    }
                }
            });
            server.start();
            Thread client = daemon("reset-client", () -> {
                byte[] one = new byte[1];
                for (long i = 0; i < MAX_OPERATIONS && !stop.get(); i++) {
                    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
                        s.getOutputStream().write(one);
                        if (s.getInputStream().read(one) < 0) {
                            eofs.increment();
                        }
                    } catch (java.net.SocketException reset) {
                        if (!String.valueOf(reset.getMessage()).contains("reset")) {
                            throw reset;
                        }
                        resets.increment();
                    }
                    connections.increment();
                }
            });
            client.start();
            double rate = cpuAndWallRates(connections, warmupNanos, measuredNanos);
            stop.set(true);
            client.join(5000);
            System.out.printf("resets %d%neofs %d%n", resets.sum(), eofs.sum());
            long total = resets.sum() + eofs.sum();
            if (total == 0 || resets.sum() < 0.99 * total) {
                throw new IllegalStateException("the client saw " + resets.sum() + " resets and " + eofs.sum()
                        + " ends of stream: the workload no longer measures resets");
            }
            return rate;
        }
    }

    /**
     * Thread-per-connection on virtual threads (JDK 21+): a server that starts a virtual thread per
     * accepted connection, and {@code clients} concurrent client connections, each on its own virtual
     * thread, doing request/response of {@code size} bytes: round trips per second in all.
     */
    static double virtualThreads(int clients, int size, long warmupNanos, long measuredNanos) throws Exception {
        ExecutorService virtual;
        try {
            Method m = java.util.concurrent.Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
            virtual = (ExecutorService) m.invoke(null);
        } catch (NoSuchMethodException e) {
            System.out.println("result -1");
            System.exit(0);
            return -1;
        }
        LongAdder roundTrips = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        try (ServerSocket listener = new ServerSocket(0, clients + 100, InetAddress.getLoopbackAddress())) {
            virtual.submit(() -> {
                while (!listener.isClosed()) {
                    Socket s = listener.accept();
                    virtual.submit(() -> {
                        try (s) {
                            echoLoop(s, size);
                        }
                        return null;
                    });
                }
                return null;
            });
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                running.add(virtual.submit(() -> {
                    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
                        requestLoop(s, size, roundTrips, stop);
                    }
                    return null;
                }));
            }
            double rate = rate(roundTrips, warmupNanos, measuredNanos);
            stop.set(true);
            for (Future<?> f : running) {
                f.get(30, TimeUnit.SECONDS);
            }
            return rate;
        } finally {
            virtual.shutdownNow();
        }
    }

    /** Work that may throw, for threads. */
    interface Body {
        void run() throws Exception;
    }

    private static Thread daemon(String name, Body body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Exception e) {
                if (!(e instanceof IOException)) {
                    e.printStackTrace();
                }
            }
        }, name);
        t.setDaemon(true);
        return t;
    }
}
