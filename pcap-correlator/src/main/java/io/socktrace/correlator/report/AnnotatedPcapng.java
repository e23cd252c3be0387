package io.socktrace.correlator.report;

import io.socktrace.correlator.capture.CaptureFormatException;
import io.socktrace.correlator.capture.CaptureReader;
import io.socktrace.correlator.capture.PacketCursor;
import io.socktrace.correlator.capture.PacketKind;
import io.socktrace.correlator.flow.PacketFacts;
import io.socktrace.correlator.flow.TcpFlow;
import io.socktrace.correlator.join.Correlation;
import io.socktrace.correlator.join.Finding;
import io.socktrace.correlator.join.PacketIndex;
import io.socktrace.correlator.jvm.JvmConnection;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a copy of a capture as pcapng in which each packet of a connection that the JVM's
 * recording names carries a packet comment ({@code opt_comment}) with the connection id, the Java
 * call under way and the finding codes, so that Wireshark shows the JVM's view on the packets
 * themselves. Everything else of a packet is kept: its bytes, captured and original length,
 * interface and link type, and its time stamp to the nanosecond (every interface is written with
 * {@code if_tsresol} = 9).
 *
 * <p>The capture is read a second time, after the join, and each packet is written as it is read,
 * so memory grows with the joined connections, never with the capture.
 *
 * <p>Comment format, one per joined connection the packet belongs to (two when both ends were
 * traced). On the packets that explain what happened — the connection's first packet, every SYN,
 * FIN and RST, and the first zero-window advertisement of each episode — the long form:
 * <pre>socktrace connection 12 (client 127.0.0.1:41522 -&gt; 127.0.0.1:32963, thread main): during Send BROKEN_PIPE; WRITE_AFTER_PEER_CLOSE</pre>
 * where the side and endpoints are the JVM's (local first) and the codes after {@code ;} are the
 * connection's findings; on every other packet of the connection the short form
 * {@code socktrace connection 12: after Connect CONNECTED}. "during" means the packet crossed the
 * wire while that call was running, "after" that it was the last recorded call before the packet
 * (calls below the recording's thresholds are not recorded); {@link PacketIndex#place} decides.
 * A packet that {@link PacketFacts} calls a retransmission or a zero-window advertisement says so
 * after the call, in both forms: {@code during Send OK (retransmission, zero window)}.
 */
public final class AnnotatedPcapng {

    /** What one run wrote. */
    public static final class Summary {
        private final long packets;
        private final long annotatedPackets;
        private final int interfaces;

        Summary(long packets, long annotatedPackets, int interfaces) {
            this.packets = packets;
            this.annotatedPackets = annotatedPackets;
            this.interfaces = interfaces;
        }

        /** Packets copied. */
        public long packets() {
            return packets;
        }

        /** Packets that got at least one comment. */
        public long annotatedPackets() {
            return annotatedPackets;
        }

        /** Interface description blocks written. */
        public int interfaces() {
            return interfaces;
        }
    }

    private static final int SECTION_HEADER = 0x0A0D0D0A;
    private static final int INTERFACE_DESCRIPTION = 1;
    private static final int ENHANCED_PACKET = 6;
    private static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    private static final int OPT_ENDOFOPT = 0;
    private static final int OPT_COMMENT = 1;
    private static final int SHB_USERAPPL = 4;
    private static final int IF_DESCRIPTION = 3;
    private static final int IF_TSRESOL = 9;
    /** An option's length is 16 bits. */
    private static final int MAX_OPTION_LENGTH = 0xFFFF;
    /** Keeps the section header (built in memory) small however many connections had findings. */
    private static final int MAX_SECTION_COMMENTS = 1000;

    private AnnotatedPcapng() {
    }

    /**
     * Reads {@code capture} again and writes its annotated copy to {@code out}. The file appears
     * complete or not at all: it is written next to {@code out} and moved into place at the end.
     *
     * @param strict as for {@link CaptureReader#open(Path, boolean)}; use the first pass's choice
     * @param index  the joined connections to annotate with
     */
    public static Summary write(Path capture, boolean strict, PacketIndex index, Path out)
            throws IOException, CaptureFormatException {
        Path absolute = out.toAbsolutePath();
        // not Files.createTempFile: its 0600 would stay on the result; this one gets the umask's permissions
        Path temporary = absolute.resolveSibling(absolute.getFileName() + "." + ProcessHandle.current().pid() + "."
                + Long.toHexString(System.nanoTime()) + ".tmp");
        boolean done = false;
        try {
            Summary summary;
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
                 CaptureReader reader = CaptureReader.open(capture, strict)) {
                summary = new Copier(reader, channel, index, String.valueOf(capture.getFileName())).copy();
            }
            OutputFile.moveIntoPlace(temporary, absolute);
            done = true;
            return summary;
        } finally {
            if (!done) {
                Files.deleteIfExists(temporary);
            }
        }
    }

    /** One pass over the capture: interfaces declared as their packets need them, then each packet. */
    private static final class Copier {
        private final CaptureReader reader;
        private final BlockOutput output;
        private final PacketIndex index;
        private final String captureName;
        private final Map<Correlation.Joined, ConnectionState> states = new IdentityHashMap<>();
        private final PacketFacts.Replays verdicts = new PacketFacts.Replays();
        private final List<byte[]> comments = new ArrayList<>(2);

        /** Interface ids restart in each input section; the output has one section, so they are offset. */
        private int currentSection = -1;
        private int sectionBase;
        private int sectionWritten;
        private long packets;
        private long annotated;

        Copier(CaptureReader reader, FileChannel channel, PacketIndex index, String captureName) {
            this.reader = reader;
            this.output = new BlockOutput(channel);
            this.index = index;
            this.captureName = captureName;
        }

        Summary copy() throws IOException, CaptureFormatException {
            writeSectionHeader();
            declareInterfaces(); // classic pcap knows its one interface before the first packet
            PacketCursor packet = new PacketCursor();
            while (reader.next(packet)) {
                declareInterfaces();
                comments.clear();
                if (packet.kind() == PacketKind.TCP) {
                    List<Correlation.Joined> found = index.find(packet);
                    int verdict = PacketIndex.verdict(verdicts, found, packet);
                    for (Correlation.Joined joined : found) {
                        comments.add(utf8(comment(joined, packet, verdict), MAX_OPTION_LENGTH));
                    }
                }
                if (!comments.isEmpty()) {
                    annotated++;
                }
                writePacket(packet);
                packets++;
            }
            declareInterfaces(); // interfaces declared after the last packet are still interfaces
            output.flush();
            return new Summary(packets, annotated, sectionBase + sectionWritten);
        }

        private void declareInterfaces() throws IOException {
            int section = reader.section();
            if (section != currentSection) {
                sectionBase += sectionWritten;
                sectionWritten = 0;
                currentSection = section;
            }
            // all declared so far, in order, so that a single-section capture keeps its interface ids
            while (sectionWritten < reader.interfaceCount()) {
                writeInterface(reader.interfaceLinkType(sectionWritten), reader.interfaceSnapLength(sectionWritten),
                        "copied from interface " + sectionWritten + " of section " + section + " of " + captureName);
                sectionWritten++;
            }
        }

        private void writeSectionHeader() throws IOException {
            Correlation correlation = index.correlation();
            List<byte[]> options = new ArrayList<>();
            long joined = correlation.connections.stream().filter(j -> j.flow != null).count();
            options.add(option(OPT_COMMENT, utf8(String.format(Locale.ROOT,
                    "socktrace: %s with a comment on each packet of the %d JVM connections joined to the capture "
                            + "(connection id, the Java call under way, finding codes); clock offset %.3f ms (from %d handshakes)",
                    captureName, joined, correlation.clockOffsetNanos / 1e6, correlation.offsetSamples), MAX_OPTION_LENGTH)));
            int listed = 0;
            int unlisted = 0;
            for (Correlation.Joined j : correlation.connections) {
                if (j.flow == null || j.findings.isEmpty()) {
                    continue;
                }
                if (listed == MAX_SECTION_COMMENTS) {
                    unlisted++;
                    continue;
                }
                StringBuilder text = new StringBuilder(200).append(header(correlation, j));
                for (Finding f : j.findings) {
                    text.append("\n  ").append(f);
                }
                options.add(option(OPT_COMMENT, utf8(text.toString(), MAX_OPTION_LENGTH)));
                listed++;
            }
            if (unlisted > 0) {
                options.add(option(OPT_COMMENT, utf8("and " + unlisted + " more connections with findings (see the text report)",
                        MAX_OPTION_LENGTH)));
            }
            String version = AnnotatedPcapng.class.getPackage().getImplementationVersion();
            options.add(option(SHB_USERAPPL, utf8("socktrace-correlator" + (version == null ? "" : " " + version),
                    MAX_OPTION_LENGTH)));
            byte[] body = concatenate(options);
            int length = 24 + body.length + 4;
            output.putInt(SECTION_HEADER).putInt(length).putInt(BYTE_ORDER_MAGIC)
                    .putShort(1).putShort(0).putLong(-1L) // version 1.0; section length not known while streaming
                    .put(body).putInt(length);
        }

        private void writeInterface(int linkType, long snapLength, String description) throws IOException {
            byte[] options = concatenate(List.of(
                    option(IF_TSRESOL, new byte[] {9}), // nanoseconds, whatever the input had: loses nothing we read
                    option(IF_DESCRIPTION, utf8(description, MAX_OPTION_LENGTH))));
            int length = 16 + options.length + 4;
            output.putInt(INTERFACE_DESCRIPTION).putInt(length).putShort(linkType).putShort(0).putInt((int) snapLength)
                    .put(options).putInt(length);
        }

        private void writePacket(PacketCursor packet) throws IOException {
            int captured = packet.capturedLength();
            int optionsLength = 0;
            for (byte[] comment : comments) {
                optionsLength += 4 + padded(comment.length);
            }
            if (optionsLength > 0) {
                optionsLength += 4; // opt_endofopt
            }
            int length = 28 + padded(captured) + optionsLength + 4;
            long stamp = packet.timestampNanos();
            output.putInt(ENHANCED_PACKET).putInt(length).putInt(sectionBase + packet.interfaceId())
                    .putInt((int) (stamp >>> 32)).putInt((int) stamp)
                    .putInt(captured).putInt(packet.originalLength())
                    .put(packet.buffer(), packet.dataOffset(), captured).zeros(padded(captured) - captured);
            for (byte[] comment : comments) {
                output.putShort(OPT_COMMENT).putShort(comment.length).put(comment).zeros(padded(comment.length) - comment.length);
            }
            if (optionsLength > 0) {
                output.putShort(OPT_ENDOFOPT).putShort(0);
            }
            output.putInt(length);
        }

        private String comment(Correlation.Joined j, PacketCursor packet, int verdict) {
            ConnectionState state = states.computeIfAbsent(j, k -> new ConnectionState());
            boolean control = (packet.tcpFlags() & (PacketCursor.SYN | PacketCursor.FIN | PacketCursor.RST)) != 0;
            boolean matters = !state.seen || control || (verdict & PacketFacts.ZERO_WINDOW_START) != 0;
            state.seen = true;
            String call = describeCall(j, packet.timestampNanos()) + verdictText(verdict);
            if (!matters) {
                return "socktrace connection " + index.correlation().label(j.connection) + ": " + call;
            }
            if (state.header == null) {
                state.header = header(index.correlation(), j);
                StringBuilder codes = new StringBuilder();
                for (Finding f : j.findings) {
                    codes.append(codes.length() == 0 ? "; " : ", ").append(f.code);
                }
                state.codes = codes.toString();
            }
            return state.header + ": " + call + state.codes;
        }

        private String describeCall(Correlation.Joined j, long packetNanos) {
            PacketIndex.Placement placement = index.place(j, packetNanos);
            if (placement == null) {
                return "before its first recorded call";
            }
            return (placement.during ? "during " : "after ") + placement.callText();
        }
    }

    /** Per joined connection: what the comments so far have said. Lives as long as the copy. */
    private static final class ConnectionState {
        boolean seen;
        String header;
        String codes;
    }

    /** " (retransmission, zero window)" for a packet with those verdicts; empty for one with neither. */
    static String verdictText(int verdict) {
        boolean retransmission = (verdict & PacketFacts.RETRANSMISSION) != 0;
        boolean zeroWindow = (verdict & PacketFacts.ZERO_WINDOW) != 0;
        if (!retransmission && !zeroWindow) {
            return "";
        }
        return retransmission && zeroWindow ? " (retransmission, zero window)" : retransmission ? " (retransmission)" : " (zero window)";
    }

    /** "socktrace connection 12 (client 127.0.0.1:41522 -> 127.0.0.1:32963, thread main)", endpoints as on the wire. */
    static String header(Correlation correlation, Correlation.Joined j) {
        JvmConnection c = j.connection;
        TcpFlow f = j.flow;
        boolean client = c.side() == JvmConnection.Side.CLIENT;
        // the flow's endpoints, not the recording's: a refused connect never learned its local port
        String local = client ? endpoint(f.clientAddress(), f.clientPort()) : endpoint(f.serverAddress(), f.serverPort());
        String remote = client ? endpoint(f.serverAddress(), f.serverPort()) : endpoint(f.clientAddress(), f.clientPort());
        StringBuilder b = new StringBuilder(120).append("socktrace connection ").append(correlation.label(c))
                .append(" (").append(c.side().name().toLowerCase(Locale.ROOT)).append(' ').append(local).append(" -> ").append(remote);
        if (c.thread() != null) {
            b.append(", thread ").append(c.thread());
        }
        return b.append(')').toString();
    }

    private static String endpoint(String address, int port) {
        return address.indexOf(':') >= 0 ? "[" + address + "]:" + port : address + ":" + port;
    }

    private static int padded(int length) {
        return (length + 3) & ~3;
    }

    /** UTF-8 of {@code text}, cut at a character boundary to at most {@code max} bytes. */
    static byte[] utf8(String text, int max) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= max) {
            return bytes;
        }
        int end = max;
        while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
            end--;
        }
        return Arrays.copyOf(bytes, end);
    }

    /** One option in little-endian order (the output's), padded to 32 bits. */
    private static byte[] option(int code, byte[] value) {
        ByteBuffer b = ByteBuffer.allocate(4 + padded(value.length)).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) code).putShort((short) value.length).put(value);
        return b.array();
    }

    /** The options followed by opt_endofopt. */
    private static byte[] concatenate(List<byte[]> options) {
        int length = 4;
        for (byte[] o : options) {
            length += o.length;
        }
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        for (byte[] o : options) {
            b.put(o);
        }
        b.putShort((short) OPT_ENDOFOPT).putShort((short) 0);
        return b.array();
    }

    /**
     * A little-endian write buffer over the output file: small fields go through it, and packet
     * bytes are copied from the reader's mapping in buffer-sized pieces, so no record is ever
     * held in memory whole.
     */
    private static final class BlockOutput {
        private final FileChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);

        BlockOutput(FileChannel channel) {
            this.channel = channel;
        }

        BlockOutput putInt(int value) throws IOException {
            room(4);
            buffer.putInt(value);
            return this;
        }

        BlockOutput putShort(int value) throws IOException {
            room(2);
            buffer.putShort((short) value);
            return this;
        }

        BlockOutput putLong(long value) throws IOException {
            room(8);
            buffer.putLong(value);
            return this;
        }

        BlockOutput zeros(int count) throws IOException {
            room(count);
            for (int i = 0; i < count; i++) {
                buffer.put((byte) 0);
            }
            return this;
        }

        BlockOutput put(byte[] bytes) throws IOException {
            return put(ByteBuffer.wrap(bytes), 0, bytes.length);
        }

        /** Copies {@code length} bytes of {@code source} from absolute index {@code offset}, without moving it. */
        BlockOutput put(ByteBuffer source, int offset, int length) throws IOException {
            while (length > 0) {
                if (!buffer.hasRemaining()) {
                    flush();
                }
                int piece = Math.min(length, buffer.remaining());
                buffer.put(buffer.position(), source, offset, piece);
                buffer.position(buffer.position() + piece);
                offset += piece;
                length -= piece;
            }
            return this;
        }

        private void room(int bytes) throws IOException {
            if (buffer.remaining() < bytes) {
                flush();
            }
        }

        void flush() throws IOException {
            buffer.flip();
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            buffer.clear();
        }
    }
}
