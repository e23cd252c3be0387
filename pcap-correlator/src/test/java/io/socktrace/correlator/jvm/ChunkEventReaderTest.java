package io.socktrace.correlator.jvm;

import static io.socktrace.correlator.TestCaptures.fixture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.socktrace.correlator.TestCaptures;
import io.socktrace.correlator.join.Correlation;
import io.socktrace.correlator.report.PacketRecording;
import io.socktrace.testsupport.AgentOutput;
import io.socktrace.testsupport.Stopping;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The correlator's own chunk reader against the JDK's: the same sockets, calls, times and threads
 * from real recordings (the fixture, a multi-chunk recording this JDK writes under the real agent,
 * a file the correlator wrote with the JMC writer), and damage that ends in a named offset.
 */
class ChunkEventReaderTest {
    private static final Path AGENT = Path.of("../agent/target/socktrace-agent.jar").toAbsolutePath();
    private static final Set<String> SOCKTRACE = Set.of("socktrace.Connect", "socktrace.Accept", "socktrace.Close",
            "socktrace.Receive", "socktrace.Send", "socktrace.Listen");

    @TempDir
    Path dir;

    /** Everything the join uses of the sockets, one line per socket and call. */
    private static String describe(List<JvmConnection> connections) {
        StringBuilder b = new StringBuilder();
        for (JvmConnection c : connections) {
            b.append(c).append(" host=").append(c.host).append(" thread=").append(c.thread).append(" id=").append(c.communityId)
                    .append(" close=").append(c.closeInitiator).append(' ').append(c.bytesRead).append('/').append(c.bytesWritten)
                    .append('\n');
            for (JvmConnection.Call call : c.calls) {
                b.append("  ").append(call.event).append(' ').append(call.startNanos).append('+').append(call.durationNanos).append(' ')
                        .append(call.outcome).append(' ').append(call.bytes).append(' ').append(call.exceptionMessage).append('\n');
            }
        }
        return b.toString();
    }

    /** Events the chunk reader itself hands over (RecordingReader would fall back to the JDK's reader on failure). */
    private static long ownEvents(Path file) throws Exception {
        long[] events = new long[1];
        ChunkEventReader.read(file, SOCKTRACE, e -> events[0]++);
        return events[0];
    }

    private static int chunks(Path file) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
        int chunks = 0;
        for (int at = 0; at < b.limit(); at += (int) b.getLong(at + 8)) {
            chunks++;
        }
        return chunks;
    }

    @Test
    void read_fixture_sameAsTheJdksReader() throws Exception {
        Path jfr = fixture("demo/demo.jfr");
        assertThat(ownEvents(jfr)).isEqualTo(73); // as jfr summary counts them
        List<JvmConnection> own = RecordingReader.read(jfr, false);
        assertThat(own).hasSize(41); // 33 connections, 8 listeners
        assertThat(own.stream().mapToInt(c -> c.calls.size()).sum()).isGreaterThan(100);
        assertThat(describe(own)).isEqualTo(describe(RecordingReader.read(jfr, true)));
    }

    @Test
    void read_thisJdksMultiChunkRecording_sameAsTheJdksReader() throws Exception {
        Path jfr = dir.resolve("load.jfr");
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        // every connection (settings=profile: the default samples 100 per second) and every read and
        // write recorded, a new chunk after every 75 connections (the 1 MB size limit
        // alone rotates only when JFR's periodic check runs: a fast machine wrote one chunk): several
        // chunks, each with its own pools
        try (Stopping load = Stopping.of(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:FlightRecorderOptions:maxchunksize=1M",
                "-javaagent:" + AGENT + "=recording=" + jfr + ",settings=profile,receiveThreshold=0,sendThreshold=0",
                "-cp", Path.of("target/test-classes").toAbsolutePath().toString(), LoopbackLoad.class.getName(),
                String.valueOf(port), "300", "40", "4", "60", "75")
                .redirectErrorStream(true).redirectOutput(dir.resolve("load.txt").toFile()).start())) {
            assertThat(load.process().waitFor(120, TimeUnit.SECONDS)).isTrue();
            String printed = Files.readString(dir.resolve("load.txt"));
            assertThat(load.process().exitValue()).as(printed).isZero();
            AgentOutput.assertNoInternalErrors("LoopbackLoad under the agent", printed);
        }
        assertThat(chunks(jfr)).isGreaterThan(1);
        assertThat(ownEvents(jfr)).isGreaterThan(4 * 300 * 40); // a Send and a Receive per exchange on each end

        List<JvmConnection> own = RecordingReader.read(jfr, false);
        assertThat(own).hasSize(601); // 300 clients, 300 accepted, the listener
        JvmConnection client = own.stream().filter(c -> c.side == JvmConnection.Side.CLIENT).findFirst().orElseThrow();
        assertThat(client.calls.stream().filter(c -> c.event.equals("Send")).count()).isEqualTo(40);
        assertThat(client.thread).startsWith("load-client-");
        assertThat(client.remotePort).isEqualTo(port);
        // most Receive/Send carry only their connectionId (the agent writes the 4-tuple into the
        // first of a connection on a thread): every connection still has its ports and all its calls
        long withoutTuple = 0;
        try (jdk.jfr.consumer.RecordingFile file = new jdk.jfr.consumer.RecordingFile(jfr)) {
            while (file.hasMoreEvents()) {
                jdk.jfr.consumer.RecordedEvent e = file.readEvent();
                if (e.getEventType().getName().equals(io.socktrace.events.EventNames.SEND) && e.getInt("port") == 0) {
                    withoutTuple++;
                }
            }
        }
        assertThat(withoutTuple).isGreaterThan(2 * 300 * 30);
        assertThat(own).filteredOn(c -> c.side == JvmConnection.Side.CLIENT).hasSize(300)
                .allSatisfy(c -> {
                    assertThat(c.remotePort).isEqualTo(port);
                    assertThat(c.localPort).isPositive();
                    assertThat(c.calls.stream().filter(call -> call.event.equals("Send")).count()).isEqualTo(40);
                    assertThat(c.calls.stream().filter(call -> call.event.equals("Receive")).count()).isEqualTo(40);
                });
        String[] ours = describe(own).split("\n");
        String[] jdks = describe(RecordingReader.read(jfr, true)).split("\n");
        for (int i = 0; i < Math.min(ours.length, jdks.length); i++) {
            assertThat(ours[i]).as("line %d", i).isEqualTo(jdks[i]);
        }
        assertThat(ours).hasSameSizeAs(jdks);
    }

    @Test
    void read_fileTheCorrelatorWrote_sameAsTheJdksReader() throws Exception {
        // --jfr-out: the recording's chunks followed by chunks of packet events from the JMC writer
        Path out = dir.resolve("with-packets.jfr");
        Path jfr = fixture("demo/demo.jfr");
        PacketRecording.write(out, List.of(jfr), fixture("demo/demo.pcap"), false, Correlation.of(RecordingReader.read(jfr), TestCaptures.flows(fixture("demo/demo.pcap"))),
                PacketRecording.DEFAULT_MAX_PACKETS);
        assertThat(chunks(out)).isGreaterThan(1);
        assertThat(ownEvents(out)).isEqualTo(ownEvents(fixture("demo/demo.jfr")));

        List<JvmConnection> own = RecordingReader.read(out, false);
        assertThat(own).hasSize(41);
        assertThat(describe(own)).isEqualTo(describe(RecordingReader.read(out, true)));
    }

    @Test
    void read_twoJvmsRecordingsInOneFile_isNamed_notMixed() throws Exception {
        // the fixture twice over: the second copy's chunk has the same tick origin, so it reads
        byte[] demo = Files.readAllBytes(fixture("demo/demo.jfr"));
        Path twice = dir.resolve("twice.jfr");
        Files.write(twice, concat(demo, demo));
        assertThat(ownEvents(twice)).isEqualTo(2 * 73);
        // a chunk whose ticks count from another origin (another JVM started 5 s later)
        byte[] other = demo.clone();
        ByteBuffer.wrap(other).putLong(48, ByteBuffer.wrap(demo).getLong(48) - 5_000_000_000L);
        Path mixed = dir.resolve("mixed.jfr");
        Files.write(mixed, concat(demo, other));

        assertThatThrownBy(() -> RecordingReader.read(mixed)).isInstanceOf(RecordingReader.RecordingException.class)
                .hasMessage(mixed + ": the chunk at byte " + demo.length + " comes from another JVM than the first chunk (its clock "
                        + "differs): recordings of several JVMs in one file; give each its own --jfr");
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    @Test
    void read_damagedRecording_endsInDamageAtAnOffset_orReads() throws Exception {
        byte[] whole = Files.readAllBytes(fixture("demo/demo.jfr"));
        Path file = dir.resolve("damaged.jfr");
        Random random = new Random(42);
        int damaged = 0;
        for (int round = 0; round < 400; round++) {
            byte[] bytes = whole.clone();
            int flips = 1 + random.nextInt(4);
            for (int i = 0; i < flips; i++) {
                // past the chunk header (whose sizes RecordingReader checks before this reader runs)
                int at = 68 + random.nextInt(bytes.length - 68);
                bytes[at] = (byte) (round % 3 == 0 ? 0xFF : random.nextInt(256));
            }
            Files.write(file, bytes);
            try {
                ChunkEventReader.read(file, SOCKTRACE, e -> {
                    e.startNanos();
                    e.string("address");
                    e.threadName();
                });
            } catch (ChunkEventReader.Damaged e) {
                damaged++;
                assertThat(e.offset).isBetween(0L, (long) bytes.length);
                assertThat(e.getMessage()).contains(" at byte ");
            } catch (ChunkEventReader.Unsupported | ChunkEventReader.SeveralJvms e) {
                assertThat(e.getMessage()).isNotEmpty();
            }
        }
        assertThat(damaged).as("most random damage is noticed").isGreaterThan(100);
    }

    @Test
    void read_metadataPositionWrong_namesTheOffset() throws Exception {
        byte[] bytes = Files.readAllBytes(fixture("demo/demo.jfr"));
        ByteBuffer.wrap(bytes).putLong(24, 70); // points into the first event, not at the metadata
        Path file = Files.write(dir.resolve("bad-metadata.jfr"), bytes);

        assertThatThrownBy(() -> ChunkEventReader.read(file, SOCKTRACE, e -> { }))
                .isInstanceOf(ChunkEventReader.Damaged.class).hasMessageContaining(" at byte ");
    }
}
