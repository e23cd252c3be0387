package io.socktrace.correlator;

import io.socktrace.correlator.capture.CaptureFormatException;
import io.socktrace.correlator.capture.CaptureReader;
import io.socktrace.correlator.capture.PacketCursor;
import io.socktrace.correlator.flow.FlowTracker;
import io.socktrace.correlator.flow.TcpFlow;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/** Builds packets and capture files byte by byte for tests, and locates the committed fixtures. */
public final class TestCaptures {
    public static final int FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10;

    private TestCaptures() {
    }

    /** The flows of a capture, in the order the tracker finishes them (default idle timeout, lenient reading). */
    public static List<TcpFlow> flows(Path capture) throws IOException, CaptureFormatException {
        List<TcpFlow> flows = new ArrayList<>();
        FlowTracker tracker = new FlowTracker(flows::add);
        try (CaptureReader reader = CaptureReader.open(capture, false)) {
            PacketCursor packet = new PacketCursor();
            while (reader.next(packet)) {
                tracker.accept(packet);
            }
        }
        tracker.finish();
        return flows;
    }

    /** A committed fixture under src/test/resources/captures. */
    public static Path fixture(String name) {
        try {
            return Paths.get(TestCaptures.class.getResource("/captures/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An IPv4 address as an int, from "a.b.c.d". */
    public static int ipv4(String dotted) {
        String[] parts = dotted.split("\\.");
        int value = 0;
        for (String part : parts) {
            value = value << 8 | Integer.parseInt(part);
        }
        return value;
    }

    /** A TCP header with the given options (padded to 4 bytes). */
    public static byte[] tcp(int sourcePort, int destinationPort, int sequence, int acknowledgement, int flags,
                             int window, byte[] options) {
        int optionLength = (options.length + 3) & ~3;
        ByteBuffer b = ByteBuffer.allocate(20 + optionLength);
        b.putShort((short) sourcePort).putShort((short) destinationPort).putInt(sequence).putInt(acknowledgement);
        b.put((byte) (((20 + optionLength) / 4) << 4)).put((byte) flags).putShort((short) window);
        b.putShort((short) 0).putShort((short) 0).put(options);
        return b.array();
    }

    /** SYN options as Linux sends them: MSS, SACK-permitted, timestamps, NOP, window scale. */
    public static byte[] synOptions(int mss, int windowScale) {
        return new byte[] {2, 4, (byte) (mss >> 8), (byte) mss, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, (byte) windowScale};
    }

    /** An IPv4 packet: header (with {@code ipOptions}), transport header, {@code payload} zero bytes. */
    public static byte[] ipv4Packet(int source, int destination, int protocol, int fragmentOffset, byte[] ipOptions,
                                    byte[] transport, int payload) {
        int headerLength = 20 + ipOptions.length;
        int total = headerLength + transport.length + payload;
        ByteBuffer b = ByteBuffer.allocate(total);
        b.put((byte) (0x40 | headerLength / 4)).put((byte) 0).putShort((short) total).putShort((short) 1)
                .putShort((short) (fragmentOffset & 0x1FFF)).put((byte) 64).put((byte) protocol).putShort((short) 0)
                .putInt(source).putInt(destination).put(ipOptions).put(transport);
        return b.array();
    }

    /** An IPv6 packet; {@code extensions} are complete extension headers whose first next-header byte is patched. */
    public static byte[] ipv6Packet(byte[] source, byte[] destination, int firstNextHeader, byte[] extensions,
                                    byte[] transport, int payload) {
        int payloadLength = extensions.length + transport.length + payload;
        ByteBuffer b = ByteBuffer.allocate(40 + payloadLength);
        b.putInt(0x60000000).putShort((short) payloadLength).put((byte) firstNextHeader).put((byte) 64)
                .put(source).put(destination).put(extensions).put(transport);
        return b.array();
    }

    /** An Ethernet frame, optionally with one 802.1Q tag. */
    public static byte[] ethernet(int etherType, boolean vlan, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(14 + (vlan ? 4 : 0) + payload.length);
        b.put(new byte[12]);
        if (vlan) {
            b.putShort((short) 0x8100).putShort((short) 42);
        }
        b.putShort((short) etherType).put(payload);
        return b.array();
    }

    /** Writes a classic pcap file. {@code packets} alternate: Long time stamp (ns), byte[] data. */
    public static byte[] pcap(int linkType, boolean nanos, boolean bigEndian, int snapLength, Object... packets) {
        ByteBuffer b = ByteBuffer.allocate(1 << 20).order(bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        b.putInt(nanos ? 0xA1B23C4D : 0xA1B2C3D4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0)
                .putInt(snapLength).putInt(linkType);
        for (int i = 0; i < packets.length; i += 2) {
            long stamp = (Long) packets[i];
            byte[] data = (byte[]) packets[i + 1];
            int captured = Math.min(data.length, snapLength);
            b.putInt((int) (stamp / 1_000_000_000L))
                    .putInt((int) (nanos ? stamp % 1_000_000_000L : stamp % 1_000_000_000L / 1000))
                    .putInt(captured).putInt(data.length).put(data, 0, captured);
        }
        byte[] out = new byte[b.position()];
        b.flip().get(out);
        return out;
    }

    /** Writes pcapng blocks in one byte order. */
    public static final class Pcapng {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private ByteOrder order = ByteOrder.LITTLE_ENDIAN;

        public Pcapng section(ByteOrder byteOrder) {
            order = byteOrder;
            ByteBuffer body = buffer(16);
            body.putInt(0x1A2B3C4D).putShort((short) 1).putShort((short) 0).putLong(-1L);
            return block(0x0A0D0D0A, body);
        }

        /** An interface; {@code tsresol} is the raw option byte, or -1 for none. */
        public Pcapng iface(int linkType, int snapLength, int tsresol) {
            ByteBuffer body = buffer(32);
            body.putShort((short) linkType).putShort((short) 0).putInt(snapLength);
            if (tsresol >= 0) {
                body.putShort((short) 9).putShort((short) 1).put((byte) tsresol).put(new byte[3]);
            }
            body.putShort((short) 0).putShort((short) 0);
            return block(1, body);
        }

        /** An enhanced packet block with a raw time stamp in interface units. */
        public Pcapng packet(int interfaceId, long stamp, byte[] data) {
            ByteBuffer body = buffer(20 + data.length + 3);
            body.putInt(interfaceId).putInt((int) (stamp >>> 32)).putInt((int) stamp).putInt(data.length).putInt(data.length)
                    .put(data);
            pad(body);
            return block(6, body);
        }

        public Pcapng simplePacket(byte[] data) {
            ByteBuffer body = buffer(4 + data.length + 3);
            body.putInt(data.length).put(data);
            pad(body);
            return block(3, body);
        }

        public Pcapng otherBlock(int type, int bodyLength) {
            ByteBuffer body = buffer(bodyLength);
            body.put(new byte[bodyLength]);
            return block(type, body);
        }

        public byte[] bytes() {
            return out.toByteArray();
        }

        public Path write(Path file) {
            try {
                return Files.write(file, bytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private ByteBuffer buffer(int capacity) {
            return ByteBuffer.allocate(capacity).order(order);
        }

        private static void pad(ByteBuffer body) {
            while (body.position() % 4 != 0) {
                body.put((byte) 0);
            }
        }

        private Pcapng block(int type, ByteBuffer body) {
            int length = 12 + body.position();
            ByteBuffer block = ByteBuffer.allocate(length).order(order);
            block.putInt(type).putInt(length).put(body.array(), 0, body.position()).putInt(length);
            out.write(block.array(), 0, length);
            return this;
        }
    }
}
