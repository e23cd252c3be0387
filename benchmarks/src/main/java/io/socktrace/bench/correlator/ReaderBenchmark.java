package io.socktrace.bench.correlator;

import io.socktrace.correlator.capture.CaptureReader;
import io.socktrace.correlator.capture.PacketCursor;
import io.socktrace.correlator.flow.FlowTracker;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * Micro benchmark: writes a synthetic 1 M-packet pcap (10,000 interleaved flows of 100
 * packets, Ethernet/IPv4/TCP with timestamps option, snap length 96), then prints packets/s for
 * parsing alone, for parsing plus flow tracking, and for {@code tcpdump -nn -r} on the same file.
 * Run: {@code ./socktrace bench reader}, or with a packet count:
 * {@code java -cp benchmarks/target/socktrace-benchmarks.jar:pcap-correlator/target/socktrace-correlator.jar io.socktrace.bench.correlator.ReaderBenchmark [packets]}
 */
public final class ReaderBenchmark {
    private ReaderBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int packets = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Path file = Files.createTempFile("socktrace-bench", ".pcap");
        try {
            write(file, packets);
            System.out.printf(Locale.ROOT, "file: %s, %d packets, %.1f MB%n", file, packets, Files.size(file) / 1e6);
            long sink = 0;
            for (int round = 0; round < 5; round++) {
                long t0 = System.nanoTime();
                sink += parse(file, false);
                long t1 = System.nanoTime();
                sink += parse(file, true);
                long t2 = System.nanoTime();
                System.out.printf(Locale.ROOT, "round %d: parse only %,.0f packets/s; parse + flows %,.0f packets/s%n",
                        round, packets / ((t1 - t0) / 1e9), packets / ((t2 - t1) / 1e9));
            }
            try {
                long t0 = System.nanoTime();
                Process tcpdump = new ProcessBuilder("tcpdump", "-nn", "-r", file.toString())
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
                int code = tcpdump.waitFor();
                long t1 = System.nanoTime();
                System.out.printf(Locale.ROOT, "tcpdump -nn -r: %,.0f packets/s (exit %d)%n", packets / ((t1 - t0) / 1e9), code);
            } catch (IOException e) {
                System.out.println("tcpdump -nn -r: not available (" + e.getMessage() + ")");
            }
            System.out.println("(checksum " + sink + ")");
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static long parse(Path file, boolean flows) throws Exception {
        long[] reported = new long[1];
        FlowTracker tracker = new FlowTracker(flow -> reported[0] += flow.client().payloadBytes());
        long ports = 0;
        try (CaptureReader reader = CaptureReader.open(file)) {
            PacketCursor p = new PacketCursor();
            while (reader.next(p)) {
                if (flows) {
                    tracker.accept(p);
                } else {
                    ports += p.sourcePort() + p.payloadLength();
                }
            }
        }
        tracker.finish();
        return ports + reported[0];
    }

    private static void write(Path file, int packets) throws IOException {
        int flowCount = 10_000;
        int perFlow = Math.max(4, packets / flowCount);
        int snap = 96;
        int frame = 14 + 20 + 32; // Ethernet, IPv4, TCP with NOP NOP timestamps
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(0xA1B2C3D4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(snap).putInt(1);
            long time = 1_700_000_000_000_000L; // microseconds
            for (int i = 0; i < packets; i++) {
                int flow = i % flowCount;
                int step = (i / flowCount) % perFlow;
                boolean fromClient = step % 2 == 0;
                int flags = step == 0 ? 0x02 : step == 1 ? 0x12 : step == perFlow - 1 ? 0x04 : 0x10;
                int payload = step >= 2 && flags != 0x04 ? 100 : 0;
                if (b.remaining() < 16 + frame) {
                    b.flip();
                    while (b.hasRemaining()) {
                        out.write(b);
                    }
                    b.clear();
                }
                time += 1;
                b.order(ByteOrder.LITTLE_ENDIAN).putInt((int) (time / 1_000_000)).putInt((int) (time % 1_000_000))
                        .putInt(frame).putInt(frame + payload);
                b.order(ByteOrder.BIG_ENDIAN);
                b.put(new byte[12]).putShort((short) 0x0800);
                int client = 0x0A000000 | flow;
                int server = 0x0A100001;
                b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + 32 + payload)).putInt(0)
                        .put((byte) 64).put((byte) 6).putShort((short) 0)
                        .putInt(fromClient ? client : server).putInt(fromClient ? server : client);
                int clientPort = 20000 + flow % 40000;
                int sequence = 1000 + step / 2 * 100;
                b.putShort((short) (fromClient ? clientPort : 443)).putShort((short) (fromClient ? 443 : clientPort))
                        .putInt(sequence).putInt(sequence).put((byte) 0x80).put((byte) flags).putShort((short) 1024)
                        .putInt(0).put(new byte[] {1, 1, 8, 10}).putInt(i).putInt(i);
            }
            b.flip();
            while (b.hasRemaining()) {
                out.write(b);
            }
        }
    }
}
