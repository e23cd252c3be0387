package io.socktrace.correlator.capture;

import static io.socktrace.correlator.TestCaptures.fixture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The pipeline hands over exactly what a single-threaded loop over {@link CaptureReader#next} reads:
 * the same packets in the same order, the same statistics, the same exception after the same
 * packets, and its thread always ends.
 */
class DecodingPipelineTest {
    @TempDir
    Path temp;

    static Stream<String> captures() {
        return Stream.of("demo/demo.pcap", "multi-if.pcapng", "pcap4j-ns.pcap", "rej.pcap", "reset.pcap", "s0.pcap",
                "sf-ns.pcap", "sf-sll.pcap", "sf-sll2.pcap", "sf-us.pcap", "sf.pcapng", "sf6.pcapng", "zerowin.pcap");
    }

    /** Every field of a decoded packet the flow tracker and the outputs use, as one line. */
    static String describe(PacketCursor p) {
        return p.recordOffset() + " " + p.timestampNanos() + " if" + p.interfaceId() + " lt" + p.linkType() + " cap" + p.capturedLength()
                + " orig" + p.originalLength() + " " + p.kind() + " v" + p.ipVersion() + " "
                + Addresses.formatEndpoint(p.sourceHigh(), p.sourceLow(), p.sourcePort()) + " > "
                + Addresses.formatEndpoint(p.destinationHigh(), p.destinationLow(), p.destinationPort())
                + (p.kind() != PacketKind.TCP ? "" : " seq " + p.sequence() + " ack " + p.acknowledgement() + " flags " + p.tcpFlags()
                + " win " + p.window() + " hl " + p.tcpHeaderLength() + " len " + p.payloadLength() + " mss " + p.mss()
                + " ws " + p.windowScale() + " sackok " + p.sackPermitted() + " sack " + p.sackBlocks()
                + " ts " + p.hasTimestamps() + (p.hasTimestamps() ? " " + p.timestampValue() + "/" + p.timestampEcho() : ""));
    }

    static String statistics(CaptureStatistics s) {
        return s.packets() + " " + s.tcpPackets() + " " + s.notTcpPackets() + " " + s.fragments() + " " + s.undecodablePackets()
                + " " + s.skippedBlocks() + " " + s.truncatedRecords() + " " + s.truncation();
    }

    /** What a single-threaded loop reads: the packets, then the statistics or the exception's message. */
    static List<String> direct(Path file, boolean strict) throws Exception {
        List<String> lines = new ArrayList<>();
        try (CaptureReader reader = CaptureReader.open(file, strict)) {
            PacketCursor p = new PacketCursor();
            try {
                while (reader.next(p)) {
                    lines.add(describe(p));
                }
                lines.add("statistics " + statistics(reader.statistics()));
            } catch (CaptureFormatException e) {
                lines.add("failed " + e.getMessage());
            }
        }
        return lines;
    }

    /** The same through the pipeline. */
    static List<String> pipelined(Path file, boolean strict, int batchSize, int batches) throws Exception {
        List<String> lines = new ArrayList<>();
        try (CaptureReader reader = CaptureReader.open(file, strict);
                DecodingPipeline pipeline = DecodingPipeline.start(reader, batchSize, batches)) {
            try {
                for (DecodingPipeline.Batch batch; (batch = pipeline.next()) != null; ) {
                    assertThat(batch.size()).isPositive().isLessThanOrEqualTo(batchSize);
                    for (int i = 0; i < batch.size(); i++) {
                        lines.add(describe(batch.packet(i)));
                    }
                }
                assertThat(pipeline.next()).isNull();
                lines.add("statistics " + statistics(reader.statistics()));
            } catch (CaptureFormatException e) {
                lines.add("failed " + e.getMessage());
            }
            pipeline.close();
            assertThat(pipeline.readingThread().isAlive()).isFalse();
        }
        return lines;
    }

    @ParameterizedTest
    @MethodSource("captures")
    void sameAsTheReader_onRealCaptures(String name) throws Exception {
        Path file = fixture(name);
        List<String> expected = direct(file, true);
        assertThat(expected).hasSizeGreaterThan(1);
        for (int[] shape : new int[][] {{1, 2}, {3, 2}, {7, 5}, {DecodingPipeline.DEFAULT_BATCH, DecodingPipeline.DEFAULT_BATCHES}}) {
            assertThat(pipelined(file, true, shape[0], shape[1])).as("batches of %d", shape[0]).isEqualTo(expected);
        }
    }

    @Test
    void corruptRecord_failsAfterThePacketsBeforeIt() throws Exception {
        byte[] good = Files.readAllBytes(fixture("sf-us.pcap"));
        // a record header after the last packet with an absurd captured length
        byte[] bad = Arrays.copyOf(good, good.length + 16);
        ByteBuffer.wrap(bad, good.length, 16).order(ByteOrder.LITTLE_ENDIAN).putInt(1).putInt(0).putInt(1 << 29).putInt(60);
        Path file = Files.write(temp.resolve("bad.pcap"), bad);
        List<String> expected = direct(file, false);
        assertThat(expected.get(expected.size() - 1)).startsWith("failed " + file + ": absurd captured length in packet record at offset "
                + good.length);
        for (int batch : new int[] {1, 2, 4, 2048}) {
            assertThat(pipelined(file, false, batch, 2)).isEqualTo(expected);
        }
    }

    @Test
    void truncatedRecord_strictFails_lenientCounts() throws Exception {
        byte[] good = Files.readAllBytes(fixture("sf-us.pcap"));
        Path file = Files.write(temp.resolve("cut.pcap"), Arrays.copyOf(good, good.length - 10));
        for (boolean strict : new boolean[] {true, false}) {
            List<String> expected = direct(file, strict);
            assertThat(expected.get(expected.size() - 1)).startsWith(strict ? "failed " : "statistics ");
            for (int batch : new int[] {1, 3, 2048}) {
                assertThat(pipelined(file, strict, batch, 3)).isEqualTo(expected);
            }
        }
    }

    @Test
    void consumerStopsEarly_threadEnds() throws Exception {
        Path file = fixture("demo/demo.pcap");
        try (CaptureReader reader = CaptureReader.open(file, false)) {
            DecodingPipeline pipeline = DecodingPipeline.start(reader, 1, 2);
            assertThat(pipeline.next()).isNotNull();
            // the reading thread now waits for a free batch; closing must end it
            pipeline.close();
            assertThat(pipeline.readingThread().isAlive()).isFalse();
            assertThat(pipeline.readingThread().isDaemon()).isTrue();
        }
    }

    @Test
    void interruptedConsumer_stillGetsEveryPacket() throws Exception {
        Path file = fixture("demo/demo.pcap");
        List<String> expected = direct(file, false);
        List<String> lines = new ArrayList<>();
        try (CaptureReader reader = CaptureReader.open(file, false);
                DecodingPipeline pipeline = DecodingPipeline.start(reader, 2, 2)) {
            // an interrupt of the consumer (after the file is open) loses no packet and is kept for it
            Thread.currentThread().interrupt();
            for (DecodingPipeline.Batch batch; (batch = pipeline.next()) != null; ) {
                for (int i = 0; i < batch.size(); i++) {
                    lines.add(describe(batch.packet(i)));
                }
            }
            lines.add("statistics " + statistics(reader.statistics()));
            pipeline.close();
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
            assertThat(pipeline.readingThread().isAlive()).isFalse();
        } finally {
            Thread.interrupted();
        }
        assertThat(lines).isEqualTo(expected);
    }
}
