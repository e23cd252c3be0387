package io.socktrace.correlator.report;

import static io.socktrace.correlator.TestCaptures.fixture;
import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.correlator.capture.CaptureReader;
import io.socktrace.correlator.capture.PacketCursor;
import io.socktrace.correlator.flow.FlowTracker;
import io.socktrace.correlator.flow.TcpFlow;
import io.socktrace.correlator.join.Correlation;
import io.socktrace.correlator.jvm.JvmConnection;
import io.socktrace.correlator.jvm.RecordingReader;
import io.socktrace.testsupport.Stopping;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import jdk.jfr.EventType;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed real demo run (capture + recording of the refused, connect-timeout, reset,
 * broken-pipe, ... scenarios under the agent) written out as one recording, then read back with
 * {@link RecordingFile} and with the running JDK's {@code jfr} tool, as Mission Control users
 * and scripts would.
 */
class PacketRecordingTest {

    private static final Path PCAP = fixture("demo/demo.pcap");
    private static final Path JFR = fixture("demo/demo.jfr");

    @TempDir
    static Path dir;
    private static Correlation correlation;
    private static long tcpPackets;
    private static Path out;
    private static PacketRecording.Result result;

    @BeforeAll
    static void writeTheDemo() throws Exception {
        List<TcpFlow> flows = new ArrayList<>();
        FlowTracker tracker = new FlowTracker(flows::add);
        try (CaptureReader reader = CaptureReader.open(PCAP, false)) {
            PacketCursor packet = new PacketCursor();
            while (reader.next(packet)) {
                tracker.accept(packet);
            }
            tracker.finish();
            tcpPackets = reader.statistics().tcpPackets();
        }
        correlation = Correlation.of(RecordingReader.read(JFR), flows);
        out = dir.resolve("demo-with-packets.jfr");
        result = PacketRecording.write(out, List.of(JFR), PCAP, false, correlation, PacketRecording.DEFAULT_MAX_PACKETS);
    }

    private static List<RecordedEvent> events(Path file, String name) throws IOException {
        List<RecordedEvent> events = new ArrayList<>();
        try (RecordingFile recording = new RecordingFile(file)) {
            while (recording.hasMoreEvents()) {
                RecordedEvent e = recording.readEvent();
                if (e.getEventType().getName().equals(name)) {
                    events.add(e);
                }
            }
        }
        return events;
    }

    private static Map<String, Integer> countsByType(Path file, boolean withPackets) throws IOException {
        Map<String, Integer> counts = new TreeMap<>();
        try (RecordingFile recording = new RecordingFile(file)) {
            while (recording.hasMoreEvents()) {
                String name = recording.readEvent().getEventType().getName();
                if (withPackets || !name.equals(PacketRecording.EVENT_NAME)) {
                    counts.merge(name, 1, Integer::sum);
                }
            }
        }
        return counts;
    }

    @Test
    void write_onePacketEventPerTcpPacket() throws IOException {
        assertThat(tcpPackets).isEqualTo(414);
        assertThat(events(out, PacketRecording.EVENT_NAME)).hasSize((int) tcpPackets);
        assertThat(result.packets).isEqualTo(tcpPackets);
        assertThat(result.packetsSkipped).isZero();
        assertThat(result.chunksCopied).isEqualTo(1);
        assertThat(result.chunksWritten).isEqualTo(1);
        // every flow of the demo was the JVM's own
        assertThat(result.packetsOfConnections).isEqualTo(tcpPackets);
    }

    @Test
    void write_keepsEveryEventOfTheOriginalRecording() throws IOException {
        Map<String, Integer> before = countsByType(JFR, true);
        assertThat(before).containsEntry("socktrace.Connect", 24).doesNotContainKey(PacketRecording.EVENT_NAME);
        assertThat(countsByType(out, false)).isEqualTo(before);
    }

    @Test
    void write_theRefusedConnectGetsItsSynAndRstInsideTheConnect() throws IOException {
        List<RecordedEvent> refused = events(JFR, "socktrace.Connect").stream()
                .filter(e -> "REFUSED".equals(e.getString("outcome"))).collect(Collectors.toList());
        assertThat(refused).hasSize(1);
        RecordedEvent connect = refused.get(0);
        assertThat(connect.getInt("port")).isEqualTo(38923); // the port demo.txt printed
        long id = connect.getLong("connectionId");

        List<RecordedEvent> packets = events(out, PacketRecording.EVENT_NAME).stream()
                .filter(e -> e.getLong("connectionId") == id).collect(Collectors.toList());
        assertThat(packets).extracting(e -> e.getString("flags")).containsExactly("SYN", "RST,ACK");
        assertThat(packets).extracting(e -> e.getString("direction")).containsExactly("sent", "received");
        assertThat(packets).extracting(e -> e.getInt("destinationPort")).containsExactly(38923, packets.get(0).getInt("sourcePort"));
        assertThat(packets).extracting(e -> e.getString("sourceAddress")).containsOnly("127.0.0.1");
        assertThat(packets).extracting(e -> e.getString("javaEvent")).containsOnly("Connect REFUSED");
        assertThat(packets).extracting(e -> e.getString("finding")).containsOnly("REFUSED");
        assertThat(packets).extracting(e -> e.getLong("peerConnectionId")).containsOnly(0L);
        assertThat(packets).extracting(e -> e.getInt("payloadLength")).containsOnly(0);
        assertThat(packets.get(1).getLong("acknowledgement")).isEqualTo(packets.get(0).getLong("sequence") + 1);
        Instant from = connect.getStartTime().minus(Duration.ofMillis(1));
        Instant to = connect.getEndTime().plus(Duration.ofMillis(1));
        for (RecordedEvent packet : packets) {
            assertThat(packet.getStartTime()).isBetween(from, to);
            // the offset the correlation estimated separates the two clocks
            assertThat(Duration.between(packet.getStartTime(), packet.getInstant("captureTime")).toNanos())
                    .isEqualTo(correlation.clockOffsetNanos);
            assertThat(packet.getDuration()).isZero();
        }
        assertThat(packets.get(0).getLong("frameNumber")).isEqualTo(1); // the demo starts with this scenario
    }

    @Test
    void write_bothEndsTracedInOneJvm_packetsCarryTheClientIdAndTheServerIdAsPeer() throws IOException {
        Correlation.Joined client = correlation.connections.stream()
                .filter(j -> j.connection.side() == JvmConnection.Side.CLIENT
                        && j.findings.stream().anyMatch(f -> f.code.equals("WRITE_AFTER_PEER_CLOSE")))
                .findFirst().orElseThrow();
        Correlation.Joined server = correlation.connections.stream()
                .filter(j -> j.connection.side() == JvmConnection.Side.SERVER && j.flow == client.flow)
                .findFirst().orElseThrow();
        List<RecordedEvent> packets = events(out, PacketRecording.EVENT_NAME).stream()
                .filter(e -> e.getLong("connectionId") == client.connection.connectionId()).collect(Collectors.toList());
        assertThat(packets).hasSize((int) (client.flow.client().packets() + client.flow.server().packets()));
        assertThat(packets).extracting(e -> e.getLong("peerConnectionId")).containsOnly(server.connection.connectionId());
        assertThat(packets).extracting(e -> e.getString("finding")).containsOnly("WRITE_AFTER_PEER_CLOSE");
        assertThat(packets.get(0).getString("flags")).isEqualTo("SYN");
        assertThat(packets.get(0).getString("javaEvent")).isEqualTo("Connect CONNECTED");
        assertThat(packets.get(0).getString("peerJavaEvent")).isEqualTo("Accept ACCEPTED");
        // the server closed (FIN), the client wrote 100 bytes more, the server's kernel answered with RST
        RecordedEvent fin = packets.stream().filter(e -> e.getString("flags").equals("FIN,ACK")).findFirst().orElseThrow();
        assertThat(fin.getString("direction")).isEqualTo("received");
        RecordedEvent rst = packets.get(packets.size() - 1);
        assertThat(rst.getString("flags")).isEqualTo("RST");
        assertThat(rst.getString("direction")).isEqualTo("received");
        assertThat(rst.getString("peerJavaEvent")).isEqualTo("after Close LOCAL");
        RecordedEvent lastData = packets.get(packets.size() - 2);
        assertThat(lastData.getString("direction")).isEqualTo("sent");
        assertThat(lastData.getInt("payloadLength")).isEqualTo(100);
        long sentBytes = packets.stream().filter(e -> e.getString("direction").equals("sent") && !e.getBoolean("retransmission"))
                .mapToLong(e -> e.getInt("payloadLength")).sum();
        assertThat(sentBytes).isEqualTo(client.flow.client().payloadBytes());
        // window scaling was negotiated, so the windows after the handshake are in bytes
        assertThat(packets.subList(2, packets.size())).extracting(e -> e.getBoolean("windowScaled")).containsOnly(true);
    }

    @Test
    void write_readsBackAsTheSameConnections() throws Exception {
        List<String> before = RecordingReader.read(JFR).stream().map(c -> c + " " + c.calls()).collect(Collectors.toList());
        List<String> after = RecordingReader.read(out).stream().map(c -> c + " " + c.calls()).collect(Collectors.toList());
        assertThat(after).isEqualTo(before).hasSize(before.size());
    }

    @Test
    void write_packetTypeHasLabelsCategoryAndUnits() throws IOException {
        try (RecordingFile recording = new RecordingFile(out)) {
            EventType type = recording.readEventTypes().stream()
                    .filter(t -> t.getName().equals(PacketRecording.EVENT_NAME)).findFirst().orElseThrow();
            assertThat(type.getLabel()).isEqualTo("Packet");
            assertThat(type.getCategoryNames()).containsExactly("socktrace", "Packets");
            assertThat(type.getField("payloadLength").getContentType()).isEqualTo("jdk.jfr.DataAmount");
            assertThat(type.getField("window").getAnnotation(jdk.jfr.DataAmount.class).value()).isEqualTo("BYTES");
            assertThat(type.getField("captureTime").getAnnotation(jdk.jfr.Timestamp.class).value()).isEqualTo("TICKS");
            assertThat(type.getField("connectionId").getLabel()).isEqualTo("Connection Id");
            assertThat(type.getFields()).allSatisfy(f -> assertThat(f.getLabel()).as(f.getName()).isNotBlank());
            assertThat(type.getFields().get(0).getName()).isEqualTo("startTime");
            // a type id of its own: the JDK's tools take an id to mean one type in all chunks
            assertThat(type.getId()).isGreaterThanOrEqualTo(PacketRecording.TYPE_ID_BASE);
        }
    }

    private static String jfrTool(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "jfr").toString());
        command.addAll(List.of(args));
        Path output = Files.createTempFile(dir, "jfr-tool", ".txt");
        String text;
        try (Stopping tool = Stopping.of(new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start())) {
            assertThat(tool.process().waitFor(120, TimeUnit.SECONDS)).isTrue();
            text = Files.readString(output, StandardCharsets.UTF_8);
            assertThat(tool.process().exitValue()).as(String.join(" ", command) + "\n" + text).isZero();
        }
        assertThat(text).as("the tool's own error lines").doesNotContainPattern("(?m)^jfr \\w+: ");
        return text;
    }

    @Test
    void jfrTool_printsAndSummarizesThePackets() throws Exception {
        String packets = jfrTool("print", "--events", PacketRecording.EVENT_NAME, out.toString());
        assertThat(packets.split("socktrace\\.Packet \\{", -1)).hasSize((int) tcpPackets + 1);
        assertThat(packets).contains("flags = \"RST,ACK\"").contains("javaEvent = \"Connect REFUSED\"")
                .contains("finding = \"REFUSED\"").contains("direction = \"received\"").contains("payloadLength = 5 bytes");
        // times are those of the JVM's day, not a clock base gone wrong (JDK 25 converts with the first chunk's base)
        String day = java.time.LocalDate.ofInstant(events(JFR, "socktrace.Connect").get(0).getStartTime(),
                java.time.ZoneId.systemDefault()).toString();
        assertThat(packets).doesNotContainPattern("startTime = .*\\((?!" + day + ")\\d{4}-");

        String summary = jfrTool("summary", out.toString());
        assertThat(summary).containsPattern("Chunks: 2\\b").containsPattern("socktrace\\.Packet +" + tcpPackets + " ")
                .containsPattern("socktrace\\.Connect +24 ");

        String all = jfrTool("print", out.toString());
        assertThat(all.split("socktrace\\.Packet \\{", -1)).hasSize((int) tcpPackets + 1);
        assertThat(all.split("socktrace\\.Connect \\{", -1)).hasSize(24 + 1);
    }

    @Test
    void write_limit_skipsTheRestAndSaysHowMany() throws Exception {
        Path limited = dir.resolve("limited.jfr");
        PacketRecording.Result r = PacketRecording.write(limited, List.of(JFR), PCAP, false, correlation, 100);
        assertThat(r.packets).isEqualTo(100);
        assertThat(r.packetsSkipped).isEqualTo(tcpPackets - 100);
        assertThat(events(limited, PacketRecording.EVENT_NAME)).hasSize(100);
    }

    @Test
    void write_manyChunks_eachSelfContainedAndInTime() throws Exception {
        Path chunked = dir.resolve("chunked.jfr");
        PacketRecording.Result r = PacketRecording.write(chunked, List.of(JFR), PCAP, false, correlation, Long.MAX_VALUE, 50);
        assertThat(r.chunksWritten).isEqualTo(9); // 414 packets, 50 a chunk
        List<RecordedEvent> fromChunks = events(chunked, PacketRecording.EVENT_NAME);
        List<RecordedEvent> fromOne = events(out, PacketRecording.EVENT_NAME);
        assertThat(fromChunks).hasSize(fromOne.size());
        for (int i = 0; i < fromOne.size(); i++) {
            assertThat(fromChunks.get(i).getStartTime()).isEqualTo(fromOne.get(i).getStartTime());
            assertThat(fromChunks.get(i).getLong("frameNumber")).isEqualTo(fromOne.get(i).getLong("frameNumber"));
        }
        assertThat(jfrTool("summary", chunked.toString())).containsPattern("Chunks: 10\\b")
                .containsPattern("socktrace\\.Packet +" + tcpPackets + " ");
    }

    @Test
    void write_recordingWithAnotherTickFrequency_packetsKeepTheirTimes() throws Exception {
        // the same recording as if its JVM had counted 2^31 ticks a second (its own events move; ours must not)
        byte[] bytes = Files.readAllBytes(JFR);
        java.nio.ByteBuffer.wrap(bytes).putLong(56, 1L << 31);
        Path otherClock = dir.resolve("other-clock.jfr");
        Files.write(otherClock, bytes);
        Path written = dir.resolve("other-clock-with-packets.jfr");
        PacketRecording.write(written, List.of(otherClock), PCAP, false, correlation, Long.MAX_VALUE, 200);

        List<RecordedEvent> packets = events(written, PacketRecording.EVENT_NAME);
        List<RecordedEvent> expected = events(out, PacketRecording.EVENT_NAME);
        assertThat(packets).hasSize(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            // within a tick of 2^31 per second, i.e. 1 ns
            assertThat(Duration.between(expected.get(i).getStartTime(), packets.get(i).getStartTime()).abs())
                    .isLessThanOrEqualTo(Duration.ofNanos(1));
        }
    }

    @Test
    void write_notARecording_failsNamingTheFileAndLeavesNoOutput() throws Exception {
        Path bogus = dir.resolve("bogus.jfr");
        Files.write(bogus, new byte[100]);
        Path target = dir.resolve("never.jfr");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() ->
                PacketRecording.write(target, List.of(bogus), PCAP, false, correlation, 10)))
                .isInstanceOf(IOException.class).hasMessageContaining(bogus.toString()).hasMessageContaining("offset 0");
        assertThat(target).doesNotExist();
        assertThat(dir.resolve("never.jfr.part")).doesNotExist();
    }
}
