package io.socktrace.correlator.capture;

import static io.socktrace.correlator.TestCaptures.fixture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.socktrace.correlator.TestCaptures;
import io.socktrace.correlator.flow.FlowTracker;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorruptCaptureTest {
    @TempDir
    Path temp;

    private Path write(String name, byte[] bytes) throws Exception {
        return Files.write(temp.resolve(name), bytes);
    }

    private static void readAll(Path file, boolean strict) throws Exception {
        try (CaptureReader reader = CaptureReader.open(file, strict)) {
            PacketCursor p = new PacketCursor();
            FlowTracker tracker = new FlowTracker(flow -> flow.connState());
            while (reader.next(p)) {
                tracker.accept(p);
            }
            tracker.finish();
        }
    }

    private static byte[] sfPcap() throws Exception {
        return Files.readAllBytes(fixture("sf-us.pcap"));
    }

    private static byte[] sfPcapng() throws Exception {
        return Files.readAllBytes(fixture("sf.pcapng"));
    }

    @Test
    void badMagic() throws Exception {
        Path file = write("capture.pcap", "GIF89a this is not a capture".getBytes());
        assertThatThrownBy(() -> readAll(file, false)).isInstanceOf(CaptureFormatException.class)
                .hasMessage(file + ": not a pcap or pcapng file: bad magic number at offset 0 (0x47494638)");
    }

    @Test
    void truncatedFileHeader() throws Exception {
        Path file = write("capture.pcap", Arrays.copyOf(sfPcap(), 20));
        assertThatThrownBy(() -> readAll(file, false)).isInstanceOf(CaptureFormatException.class)
                .hasMessage(file + ": truncated file header at offset 0 (needs 24 bytes, 20 left)");
        Path empty = write("empty.pcap", new byte[0]);
        assertThatThrownBy(() -> readAll(empty, false)).hasMessageContaining("empty.pcap: truncated file header at offset 0");
    }

    @Test
    void truncatedRecord_lenientCountsIt_strictThrows() throws Exception {
        byte[] good = sfPcap();
        Path file = write("capture.pcap", Arrays.copyOf(good, good.length - 10));
        try (CaptureReader reader = CaptureReader.open(file)) {
            PacketCursor p = new PacketCursor();
            int packets = 0;
            while (reader.next(p)) {
                packets++;
            }
            assertThat(packets).isEqualTo(9);
            assertThat(reader.statistics().truncatedRecords()).isEqualTo(1);
            assertThat(reader.statistics().truncation()).matches(".*capture\\.pcap: truncated packet record at offset \\d+ \\(needs \\d+ bytes, \\d+ left\\)");
        }
        assertThatThrownBy(() -> readAll(file, true)).isInstanceOf(CaptureFormatException.class)
                .hasMessageMatching(".*capture\\.pcap: truncated packet record at offset \\d+ \\(needs \\d+ bytes, \\d+ left\\)");
    }

    @Test
    void recordLongerThanSnapLength() throws Exception {
        byte[] bytes = sfPcap();
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(24 + 8, 300_000);
        Path file = write("capture.pcap", bytes);
        assertThatThrownBy(() -> readAll(file, false)).isInstanceOf(CaptureFormatException.class)
                .hasMessage(file + ": packet record longer than the snap length at offset 24 (300000 bytes, snap length 128)");
    }

    @Test
    void unknownLinkType() throws Exception {
        byte[] bytes = sfPcap();
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(20, 147);
        Path file = write("capture.pcap", bytes);
        assertThatThrownBy(() -> readAll(file, false)).isInstanceOf(CaptureFormatException.class)
                .hasMessage(file + ": unsupported link type 147 at offset 20");
    }

    @Test
    void pcapngBlockLengthNotAMultipleOfFour() throws Exception {
        byte[] bytes = sfPcapng();
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int second = b.getInt(4); // the block after the section header
        b.putInt(second + 4, 30);
        Path file = write("capture.pcapng", bytes);
        assertThatThrownBy(() -> readAll(file, false)).isInstanceOf(CaptureFormatException.class)
                .hasMessage(file + ": bad block length at offset " + second + " (block type 0x1, 30 bytes, not a multiple of 4)");
    }

    @Test
    void pcapngAbsurdBlockLengthAndMismatchedTrailer() throws Exception {
        byte[] bytes = sfPcapng();
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 0x7FFFFFFC);
        Path absurd = write("absurd.pcapng", bytes);
        assertThatThrownBy(() -> readAll(absurd, false)).hasMessageStartingWith(absurd + ": absurd block length at offset 0");

        bytes = sfPcapng();
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int length = b.getInt(4);
        b.putInt(length - 4, length + 4);
        Path mismatch = write("mismatch.pcapng", bytes);
        assertThatThrownBy(() -> readAll(mismatch, false))
                .hasMessage(mismatch + ": block length mismatch at offset 0 (leading " + length + ", trailing " + (length + 4) + ")");
    }

    @Test
    void pcapngBadByteOrderMagicAndUndeclaredInterface() throws Exception {
        byte[] bytes = sfPcapng();
        bytes[8] = 0x55;
        Path file = write("bom.pcapng", bytes);
        assertThatThrownBy(() -> readAll(file, false)).hasMessageStartingWith(file + ": bad pcapng byte-order magic at offset 8");

        Path noInterface = new TestCaptures.Pcapng().section(ByteOrder.BIG_ENDIAN).packet(3, 0, new byte[40])
                .write(temp.resolve("noif.pcapng"));
        assertThatThrownBy(() -> readAll(noInterface, false))
                .hasMessage(noInterface + ": packet for an undeclared interface at offset 28 (interface 3, 0 declared in this section)");

        Path unknownLink = new TestCaptures.Pcapng().section(ByteOrder.BIG_ENDIAN).iface(147, 0, -1)
                .write(temp.resolve("link.pcapng"));
        assertThatThrownBy(() -> readAll(unknownLink, false))
                .hasMessage(unknownLink + ": unsupported link type 147 at offset 28 (interface 0)");
    }

    /** Random damage must end in a CaptureFormatException or in a normal read, never in anything else. */
    @Test
    void randomDamage_neverEscapesAsAnotherException() throws Exception {
        Random random = new Random(42);
        byte[][] originals = {sfPcap(), sfPcapng(), Files.readAllBytes(fixture("sf6.pcapng")), Files.readAllBytes(fixture("sf-sll2.pcap"))};
        for (int round = 0; round < 2000; round++) {
            byte[] bytes = originals[round % originals.length].clone();
            int damage = 1 + random.nextInt(8);
            for (int i = 0; i < damage; i++) {
                bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
            }
            if (random.nextBoolean()) {
                bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
            }
            Path file = write("fuzz.pcap", bytes);
            try {
                readAll(file, random.nextBoolean());
            } catch (CaptureFormatException expected) {
                assertThat(expected.getMessage()).startsWith(file + ": ").contains(" at offset ");
            }
        }
    }

    @Test
    void timestampBeyondWhatNanosecondsHold_isNamed() throws Exception {
        // if_tsresol 0x80 says whole seconds; a writer that still counted nanoseconds overflows
        byte[] packet = TestCaptures.ipv4Packet(TestCaptures.ipv4("127.0.0.1"), TestCaptures.ipv4("127.0.0.1"), 6, 0, new byte[0],
                TestCaptures.tcp(40000, 80, 1000, 0, TestCaptures.SYN, 65535, new byte[0]), 0);
        Path file = new TestCaptures.Pcapng().section(ByteOrder.LITTLE_ENDIAN).iface(101, 65535, 0x80)
                .packet(0, 1_700_000_000_000_000_000L, packet).write(temp.resolve("seconds.pcapng"));

        assertThatThrownBy(() -> readAll(file, false)).isInstanceOf(CaptureFormatException.class)
                .hasMessageStartingWith(file + ": timestamp out of range at offset ")
                .hasMessageEndingWith("(1700000000000000000 units of 2^-0 s is past the year 2262)");
    }
}
