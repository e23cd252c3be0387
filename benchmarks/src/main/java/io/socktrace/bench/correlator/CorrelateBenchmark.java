package io.socktrace.bench.correlator;

import io.socktrace.correlator.Main;
import io.socktrace.correlator.capture.CaptureReader;
import io.socktrace.correlator.capture.PacketCursor;
import io.socktrace.correlator.flow.FlowTracker;
import io.socktrace.correlator.flow.TcpFlow;
import io.socktrace.correlator.join.Correlation;
import io.socktrace.correlator.jvm.JvmConnection;
import io.socktrace.correlator.jvm.RecordingReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * In-process half of benchmarks/scripts/correlator.sh: times the correlator on a real capture and
 * recording inside one JVM, so JVM start and JIT warm-up are out of the numbers. One warm-up pass
 * runs the three stages of {@code correlate --jfr} separately (recording read, capture read + flow
 * rebuild, join) and reports each, which says where the time goes; then {@code reps} passes time
 * parsing alone, {@code correlate --pcap} and {@code correlate --pcap --jfr} through the CLI entry
 * point with output discarded. Prints {@code sample <name> <nanoseconds> <packets>} lines for the
 * script to aggregate.
 *
 * <p>Arguments: capture.pcap recording.jfr reps.
 */
public final class CorrelateBenchmark {
    private CorrelateBenchmark() {
    }

    public static void main(String[] args) throws Throwable {
        String pcap = args[0];
        String jfr = args[1];
        int reps = Integer.parseInt(args[2]);
        Method run = Main.class.getDeclaredMethod("run", String[].class, PrintStream.class, PrintStream.class);
        // Main.run is package-private (the lead owns Main.java); the CLI entry point is what users run
        run.setAccessible(true);
        PrintStream discard = new PrintStream(OutputStream.nullOutputStream());
        String[] flowsOnly = {"correlate", "--pcap", pcap};
        String[] full = {"correlate", "--pcap", pcap, "--jfr", jfr};

        long t0 = System.nanoTime();
        List<JvmConnection> jvm = RecordingReader.read(Paths.get(jfr));
        long t1 = System.nanoTime();
        List<TcpFlow> flows = new ArrayList<>();
        long packets = readFlows(Paths.get(pcap), flows);
        long t2 = System.nanoTime();
        Correlation correlation = Correlation.of(jvm, flows);
        long t3 = System.nanoTime();
        System.out.printf("stage recording-read %d %d%nstage read-flows %d %d%nstage join %d %d%n",
                t1 - t0, packets, t2 - t1, packets, t3 - t2, packets);
        System.out.printf("info jvm-connections %d flows %d joined-with-flow %d%n", jvm.size(), flows.size(),
                correlation.connections.stream().filter(j -> j.flow != null).count());
        jvm = null;
        flows = null;
        correlation = null;

        for (int rep = 0; rep < reps; rep++) {
            // the cheap passes three times each per full pass: on a shared machine they need more samples
            for (int i = 0; i < 3; i++) {
                long s0 = System.nanoTime();
                long parsed = parse(Paths.get(pcap));
                long s1 = System.nanoTime();
                check((Integer) run.invoke(null, flowsOnly, discard, System.err), "correlate --pcap");
                long s2 = System.nanoTime();
                System.out.printf("sample parse %d %d%nsample flows %d %d%n", s1 - s0, parsed, s2 - s1, packets);
            }
            long s0 = System.nanoTime();
            check((Integer) run.invoke(null, full, discard, System.err), "correlate --pcap --jfr");
            long s1 = System.nanoTime();
            System.out.printf("sample full %d %d%n", s1 - s0, packets);
        }
    }

    private static void check(int code, String what) {
        if (code != 0) {
            throw new IllegalStateException(what + " exited " + code);
        }
    }

    /** Parsing alone: every packet decoded, a few fields read so the work cannot be skipped. */
    private static long parse(Path file) throws Exception {
        long packets = 0;
        long sink = 0;
        try (CaptureReader reader = CaptureReader.open(file)) {
            PacketCursor p = new PacketCursor();
            while (reader.next(p)) {
                packets++;
                sink += p.sourcePort() + p.payloadLength() + p.tcpFlags();
            }
        }
        if (sink == 42) {
            System.out.println("(unlikely checksum)");
        }
        return packets;
    }

    private static long readFlows(Path file, List<TcpFlow> flows) throws Exception {
        long packets = 0;
        FlowTracker tracker = new FlowTracker(flows::add);
        try (CaptureReader reader = CaptureReader.open(file)) {
            PacketCursor p = new PacketCursor();
            while (reader.next(p)) {
                packets++;
                tracker.accept(p);
            }
        }
        tracker.finish();
        return packets;
    }
}
