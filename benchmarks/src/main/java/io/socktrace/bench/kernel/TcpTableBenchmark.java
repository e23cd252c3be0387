package io.socktrace.bench.kernel;

import io.socktrace.agent.kernel.TcpTable;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Not a test: a rough cost check of {@link TcpTable} on a synthetic 10,000-row {@code /proc/net/tcp6},
 * the size the sampler must handle under 1% of a core at one read per 10 s. Run:
 *
 * <pre>./socktrace bench tcp-table</pre>
 *
 * Prints the first (cold) calls too: at one call per period the parser runs interpreted for a
 * while, so the warm median flatters it. Reading the real file costs far more (the kernel walks its
 * hash table), see JDK-NOTES.
 */
public final class TcpTableBenchmark {

    private TcpTableBenchmark() {
    }

    public static void main(String[] args) {
        int rowCount = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        byte[] data = syntheticTcp6(rowCount);
        TcpTable table = new TcpTable();
        long[] sink = new long[1];
        TcpTable.RowVisitor visitor = row -> sink[0] += row.inode() + row.receiveQueue() + row.localPort();

        System.out.printf("synthetic tcp6: %,d rows, %,d bytes%n", rowCount, data.length);
        StringBuilder cold = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            long start = System.nanoTime();
            int rows = table.parse(data, data.length, visitor);
            long micros = (System.nanoTime() - start) / 1_000;
            check(rows, rowCount, table);
            cold.append(i == 0 ? "" : ", ").append(micros).append(" us");
        }
        System.out.println("first 5 calls (cold, back to back): " + cold);

        // The sampler parses once per period: compilation finishes between calls.
        TcpTable spaced = new TcpTable();
        cold.setLength(0);
        for (int i = 0; i < 5; i++) {
            sleep(500);
            long start = System.nanoTime();
            check(spaced.parse(data, data.length, visitor), rowCount, spaced);
            cold.append(i == 0 ? "" : ", ").append((System.nanoTime() - start) / 1_000).append(" us");
        }
        System.out.println("next 5 calls, 500 ms apart: " + cold);

        for (int i = 0; i < 200; i++) {
            table.parse(data, data.length, visitor);
        }
        long[] nanos = new long[20];
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < nanos.length; i++) {
            long start = System.nanoTime();
            int rows = table.parse(data, data.length, visitor);
            nanos[i] = System.nanoTime() - start;
            check(rows, rowCount, table);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
        Arrays.sort(nanos);
        long median = (nanos[9] + nanos[10]) / 2;
        System.out.printf("warm: median %.3f ms per parse (min %.3f, max %.3f) of 20 runs, %.1f ns per row, %.2f ns per byte%n",
                median / 1e6, nanos[0] / 1e6, nanos[19] / 1e6, (double) median / rowCount, (double) median / data.length);
        System.out.printf("allocated during the 20 timed parses: %,d bytes%n", allocated);
        System.out.printf("at one parse per 10 s: %.4f%% of one core (warm)%n", median / 1e6 / 10_000 * 100);
        System.out.println("(checksum " + sink[0] + ")");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void check(int rows, int expected, TcpTable table) {
        if (rows != expected || table.skippedLines() != 0) {
            throw new AssertionError(rows + " rows, " + table.skippedLines() + " skipped");
        }
    }

    /** Rows shaped like the captured tcp6.txt: a mix of IPv4-mapped and IPv6, states and queues. */
    static byte[] syntheticTcp6(int rows) {
        StringBuilder sb = new StringBuilder(rows * 180);
        sb.append("  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n");
        String mapped = "0000000000000000FFFF00000100007F";
        String loopback6 = "00000000000000000000000001000000";
        String[] states = {"01", "01", "01", "01", "08", "06", "0A"};
        for (int i = 0; i < rows; i++) {
            String address = i % 3 == 0 ? loopback6 : mapped;
            String state = states[i % states.length];
            boolean timeWait = state.equals("06");
            sb.append(String.format("%4d: %s:%04X %s:%04X %s %08X:%08X %02X:%08X %08X %5d %8d %d",
                    i, address, 1024 + i % 60_000, address, 8080, state,
                    i % 11 == 0 ? 4096 : 0, i % 7 == 0 ? 1000 : 0,
                    timeWait ? 3 : (i % 5 == 0 ? 2 : 0), timeWait ? 5800 : (i % 5 == 0 ? 719_000 : 0),
                    0, 1000, 0, timeWait ? 0 : 700_000 + i));
            if (timeWait) {
                sb.append(" 3 000000005b3fce57\n");
            } else {
                sb.append(" 1 00000000c8b9d1d4 20 4 30 10 -1\n");
            }
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
