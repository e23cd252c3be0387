package io.socktrace.correlator.report;

import io.socktrace.correlator.capture.Addresses;
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
import io.socktrace.events.EventNames;
import io.socktrace.events.PacketFields;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmc.flightrecorder.writer.api.Recording;
import org.openjdk.jmc.flightrecorder.writer.api.Recordings;
import org.openjdk.jmc.flightrecorder.writer.api.Type;
import org.openjdk.jmc.flightrecorder.writer.api.Types;

/**
 * Writes a recording that Mission Control can open to show the packets of a capture next to the
 * socket calls of the JVM: the chunks of the original recordings, copied byte for byte, followed
 * by new chunks that hold one {@code socktrace.Packet} event per TCP packet, stamped with the
 * capture time moved onto the JVM's clock ({@link Correlation#clockOffsetNanos}).
 *
 * <p>A JFR file is a sequence of self-contained chunks, so appending chunks needs no rewriting
 * of the originals. The packet chunks are written with JMC's {@code flightrecorder.writer},
 * which keeps a whole chunk in memory until it is closed; to keep memory independent of the
 * capture's size, a new chunk is started every {@link #PACKETS_PER_CHUNK} packets, and at most
 * {@code maxPackets} packets become events at all (the rest are counted as skipped). A first,
 * cheap pass over the capture finds each chunk's time span, which the writer needs up front.
 * The writer loses a chunk's events silently when its merging thread fails (out of memory), so
 * each chunk's size is checked against its event count.
 *
 * <p>Times are written in the tick base of the first original chunk: JDK 25's parser converts
 * the ticks of every chunk of a file with the first chunk's start and frequency (JDK 17 uses each
 * chunk's own header), so the new chunks declare a start and frequency consistent with it and
 * both read the same instants.
 *
 * <p>The output is written to a temporary file beside it and moved into place at the end, so a
 * failure never leaves a half-written recording under the requested name. Copying chunks and
 * their clock is {@link RecordingChunks}'; this class writes the packet events.
 */
public final class PacketRecording {

    /** Event type name of one packet. */
    public static final String EVENT_NAME = EventNames.PACKET;
    /** Default limit on packet events; Mission Control gets slow well before the writer does. */
    public static final long DEFAULT_MAX_PACKETS = 1_000_000L;
    /** Packets per written chunk: bounds the writer's in-memory buffer to a few megabytes. */
    static final int PACKETS_PER_CHUNK = 50_000;

    /**
     * First type id of our own types. The JDK's tools take an event type id to mean the same type
     * in every chunk of a file ({@code RecordingFile.readEventTypes()}, {@code jfr summary} and
     * {@code jfr print --events} keep the first chunk's type of an id), so the packet type must
     * not reuse an id of the original recording. The JVM numbers its own events from 0 and Java
     * event classes by class id (thousands); the writer counts from 1. 2^27 is far above both and
     * still a 4-byte LEB128 number in every event.
     */
    static final long TYPE_ID_BASE = 1L << 27;
    /** Packets this long before a recording starts or after it ends still go into its file. */
    static final long WINDOW_MARGIN_NANOS = 1_000_000_000L;
    /** Fewer bytes than this per event than can be encoded: type id alone takes 4, startTime 5+. */
    private static final int MIN_EVENT_BYTES = 16;
    private static final String[] FLAG_NAMES = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};

    /** What {@link #write} did. */
    public static final class Result {
        /** Chunks copied from the original recordings. */
        public final int chunksCopied;
        /** Chunks of packet events written. */
        public final int chunksWritten;
        /** Packet events written. */
        public final long packets;
        /** TCP packets of the capture left out because of the limit. */
        public final long packetsSkipped;
        /** Packet events that belong to a connection of the JVM. */
        public final long packetsOfConnections;

        Result(int chunksCopied, int chunksWritten, long packets, long packetsSkipped, long packetsOfConnections) {
            this.chunksCopied = chunksCopied;
            this.chunksWritten = chunksWritten;
            this.packets = packets;
            this.packetsSkipped = packetsSkipped;
            this.packetsOfConnections = packetsOfConnections;
        }
    }

    private final Path out;
    private final Correlation correlation;
    private final int packetsPerChunk;
    private final PacketIndex index;
    private final PacketFacts.Replays verdicts = new PacketFacts.Replays();
    private final String[] flagTexts = new String[256];

    /**
     * For one of several recordings: its name (as {@link JvmConnection#recording()}) and time span
     * on its clock (epoch ns, inclusive); null for all packets.
     */
    private final String onlyRecording;
    private final long[] window;

    private PacketRecording(Path out, Correlation correlation, int packetsPerChunk, String onlyRecording, long[] window) {
        this.onlyRecording = onlyRecording;
        this.window = window;
        this.out = out;
        this.correlation = correlation;
        this.packetsPerChunk = packetsPerChunk;
        this.index = PacketIndex.of(correlation);
    }

    /**
     * Writes {@code out}: the chunks of {@code recordings}, then the TCP packets of {@code capture}
     * as {@value #EVENT_NAME} events.
     *
     * @param correlation the recordings joined to the capture's flows
     * @param strict      as for {@link CaptureReader#open(Path, boolean)}
     * @param maxPackets  packets beyond this many are skipped (counted in the result)
     * @throws IOException            a recording is not a sequence of JFR chunks, or a file cannot be
     *                                read or written; the message names the file and says which
     * @throws CaptureFormatException the capture cannot be read on
     */
    public static Result write(Path out, List<Path> recordings, Path capture, boolean strict, Correlation correlation,
                               long maxPackets) throws IOException, CaptureFormatException {
        return write(out, recordings, capture, strict, correlation, maxPackets, PACKETS_PER_CHUNK);
    }

    static Result write(Path out, List<Path> recordings, Path capture, boolean strict, Correlation correlation,
                        long maxPackets, int packetsPerChunk) throws IOException, CaptureFormatException {
        return write(out, recordings, capture, strict, correlation, maxPackets, packetsPerChunk, null);
    }

    /**
     * Where {@link #writeEach} writes: {@code out} itself for one recording; for several, one file
     * per recording beside it, {@code with-packets.jfr} and {@code refused.jfr} giving
     * {@code with-packets-refused.jfr}.
     */
    public static List<Path> outputs(Path out, List<Path> recordings) {
        if (recordings.size() == 1) {
            return List.of(out);
        }
        String stem = stem(out);
        List<Path> outputs = new ArrayList<>();
        java.util.Set<Path> taken = new java.util.HashSet<>();
        for (Path recording : recordings) {
            Path output = out.resolveSibling(stem + "-" + stem(recording) + ".jfr");
            for (int n = 2; !taken.add(output); n++) {
                // two recordings of the same name from different directories
                output = out.resolveSibling(stem + "-" + stem(recording) + "-" + n + ".jfr");
            }
            outputs.add(output);
        }
        return outputs;
    }

    /**
     * Writes {@link #outputs}: for one recording as {@link #write}; for several, each file holds
     * one recording's chunks and the packets of that recording's time span (a second either side).
     * Several recordings never share a file: the JDK's readers take a file's chunks to come from
     * one JVM (they carry constant pools over from chunk to chunk, and JDK 25 converts every
     * chunk's ticks with the first chunk's clock), so chunks of two JVMs in one file read as
     * garbage or fail ("Unknown string encoding").
     */
    public static List<Result> writeEach(Path out, List<Path> recordings, Path capture, boolean strict, Correlation correlation,
                                         long maxPackets) throws IOException, CaptureFormatException {
        if (recordings.size() == 1) {
            return List.of(write(out, recordings, capture, strict, correlation, maxPackets));
        }
        List<Path> outputs = outputs(out, recordings);
        List<Result> results = new ArrayList<>();
        for (int i = 0; i < recordings.size(); i++) {
            long[] span = RecordingChunks.span(recordings.get(i));
            long[] window = {span[0] - WINDOW_MARGIN_NANOS, span[1] + WINDOW_MARGIN_NANOS};
            results.add(write(outputs.get(i), List.of(recordings.get(i)), capture, strict, correlation, maxPackets,
                    PACKETS_PER_CHUNK, window));
        }
        return results;
    }

    /** A recording's name as the reader labels its connections: the file name without ".jfr". */
    private static String stem(Path recording) {
        String name = recording.getFileName().toString();
        return name.endsWith(".jfr") ? name.substring(0, name.length() - 4) : name;
    }

    private static Result write(Path out, List<Path> recordings, Path capture, boolean strict, Correlation correlation,
                                long maxPackets, int packetsPerChunk, long[] window) throws IOException, CaptureFormatException {
        if (maxPackets < 0 || packetsPerChunk <= 0) {
            throw new IllegalArgumentException("maxPackets " + maxPackets);
        }
        Path temporary = out.resolveSibling(out.getFileName() + ".part");
        boolean done = false;
        try {
            Result result;
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                int copied = 0;
                RecordingChunks.TickBase base = null;
                for (Path recording : recordings) {
                    RecordingChunks.TickBase first = RecordingChunks.copy(recording, channel);
                    base = base == null ? first : base;
                    copied += first.chunks;
                }
                if (base == null) {
                    throw new IllegalArgumentException("no recording to add the packets to");
                }
                result = new PacketRecording(out, correlation, packetsPerChunk, window == null ? null : stem(recordings.get(0)), window)
                        .writePackets(capture, strict, maxPackets, channel, copied, base);
            }
            OutputFile.moveIntoPlace(temporary, out);
            done = true;
            return result;
        } catch (RecordingChunks.Problem e) {
            throw e;
        } catch (IOException e) {
            throw new RecordingChunks.Problem(out + ": cannot write: " + e, e);
        } finally {
            if (!done) {
                Files.deleteIfExists(temporary);
            }
        }
    }

    private Result writePackets(Path capture, boolean strict, long maxPackets, FileChannel channel, int copied,
                                RecordingChunks.TickBase base) throws IOException, CaptureFormatException {
        // first pass: the time span (on the JVM's clock) of each chunk to write
        long offset = correlation.clockOffsetNanos;
        List<long[]> spans = new ArrayList<>();
        long tcpPackets = 0;
        try (CaptureReader reader = CaptureReader.open(capture, strict)) {
            PacketCursor p = new PacketCursor();
            while (reader.next(p)) {
                if (p.kind() != PacketKind.TCP || !selected(p, p.timestampNanos() - offset)) {
                    continue;
                }
                if (tcpPackets < maxPackets) {
                    long t = p.timestampNanos() - offset;
                    if (tcpPackets % packetsPerChunk == 0) {
                        spans.add(new long[] {t, t});
                    } else {
                        long[] span = spans.get(spans.size() - 1);
                        span[0] = Math.min(span[0], t);
                        span[1] = Math.max(span[1], t);
                    }
                }
                tcpPackets++;
            }
        }
        // second pass: the events
        long written = 0;
        long ofConnections = 0;
        OutputStream stream = new FilterOutputStream(Channels.newOutputStream(channel)) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush(); // the writer closes its stream; the channel stays open for the next chunk
            }
        };
        Recording recording = null;
        Type packetType = null;
        long chunkStart = -1;
        try (CaptureReader reader = CaptureReader.open(capture, strict)) {
            PacketCursor p = new PacketCursor();
            long frame = 0;
            while (written < maxPackets && reader.next(p)) {
                frame++;
                if (p.kind() != PacketKind.TCP) {
                    continue;
                }
                if (!selected(p, p.timestampNanos() - correlation.clockOffsetNanos)) {
                    // a flow of no connection that starts before this file's window: its verdicts
                    // count from its first packet, as in the other outputs
                    TcpFlow unmatched = index.find(p).isEmpty() ? index.unmatchedFlow(p) : null;
                    if (unmatched != null) {
                        verdicts.see(unmatched, p);
                    }
                    continue;
                }
                if (written % packetsPerChunk == 0) {
                    if (recording != null) {
                        Recording full = recording;
                        recording = null;
                        closeChunk(full, stream, channel, chunkStart, packetsPerChunk, base);
                    }
                    long[] span = spans.get((int) (written / packetsPerChunk));
                    chunkStart = channel.position();
                    recording = Recordings.newRecording(stream, settings -> settings.withTimestamp(span[0])
                            .withStartTicks(base.ticks(span[0])).withDuration(span[1] - span[0] + 1).withJdkTypeInitialization());
                    packetType = registerPacketType(recording);
                }
                if (writeEvent(recording, packetType, p, frame, base)) {
                    ofConnections++;
                }
                written++;
            }
            if (recording != null) {
                Recording last = recording;
                recording = null;
                closeChunk(last, stream, channel, chunkStart, written - (written - 1) / packetsPerChunk * packetsPerChunk, base);
            }
        } finally {
            if (recording != null) {
                recording.close(); // after a failure: ends the writer's thread; the output is deleted anyway
            }
        }
        return new Result(copied, spans.size(), written, tcpPackets - written, ofConnections);
    }

    /**
     * Whether a packet goes into this file: always for one recording; for one of several, the
     * packets of its connections' flows, and packets of no JVM connection within its time span.
     */
    private boolean selected(PacketCursor p, long jvmNanos) {
        if (onlyRecording == null) {
            return true;
        }
        List<Correlation.Joined> joined = index.find(p);
        if (joined.isEmpty()) {
            return jvmNanos >= window[0] && jvmNanos <= window[1];
        }
        for (Correlation.Joined j : joined) {
            if (onlyRecording.equals(j.connection.recording())) {
                return true;
            }
        }
        return false;
    }

    /** The connections a packet belongs to, in this file: another recording's connections are not in it. */
    private List<Correlation.Joined> joinedHere(PacketCursor p) {
        List<Correlation.Joined> joined = index.find(p);
        if (onlyRecording == null || joined.isEmpty()) {
            return joined;
        }
        List<Correlation.Joined> here = new ArrayList<>(joined.size());
        for (Correlation.Joined j : joined) {
            if (onlyRecording.equals(j.connection.recording())) {
                here.add(j);
            }
        }
        return here;
    }

    /** Finishes a chunk: checks that the writer kept its events, and gives it the first chunk's frequency. */
    private void closeChunk(Recording recording, OutputStream stream, FileChannel channel, long chunkStart,
                                   long events, RecordingChunks.TickBase base) throws IOException {
        recording.close();
        stream.flush();
        // The writer merges the events into the chunk on a thread of its own and drops them silently
        // if that thread fails (seen: OutOfMemoryError with a small heap); then the chunk is a valid,
        // empty one. Every event takes more than MIN_EVENT_BYTES, so a short chunk means lost events.
        long chunkBytes = channel.position() - chunkStart;
        if (chunkBytes < events * MIN_EVENT_BYTES) {
            throw new RecordingChunks.Problem(out + ": the JFR writer lost the events of a chunk ("
                    + events + " events in " + chunkBytes + " bytes; out of memory? give it a larger -Xmx or a lower "
                    + "--max-packet-events)", null);
        }
        RecordingChunks.declareFrequency(channel, chunkStart, base);
    }

    /** Writes one packet event; true if it belongs to a connection of the JVM. */
    private boolean writeEvent(Recording recording, Type packetType, PacketCursor p, long frame, RecordingChunks.TickBase base) {
        long captureTime = p.timestampNanos();
        long jvmTime = captureTime - correlation.clockOffsetNanos;
        List<Correlation.Joined> joined = joinedHere(p);
        Correlation.Joined primary = null;
        Correlation.Joined peer = null;
        for (Correlation.Joined j : joined) {
            // the client's end first: one id for every packet of the flow when both ends were traced
            if (primary == null || (j.connection.side() == JvmConnection.Side.CLIENT
                    && primary.connection.side() != JvmConnection.Side.CLIENT)) {
                peer = primary;
                primary = j;
            } else {
                peer = j;
            }
        }
        TcpFlow flow = primary != null ? primary.flow : index.unmatchedFlow(p);
        boolean fromClient = flow != null && flow.fromClient(p);
        String direction = primary != null
                ? (fromClient == (primary.connection.side() == JvmConnection.Side.CLIENT) ? "sent" : "received")
                : flow != null ? (fromClient ? "client->server" : "server->client") : "";
        int flags = p.tcpFlags() & 0xff;
        int shift = flow == null ? -1 : PacketFacts.windowShift(flow, fromClient, flags);
        boolean scaled = shift >= 0;
        long window = scaled ? (long) p.window() << shift : p.window();
        String src = Addresses.format(p.sourceHigh(), p.sourceLow());
        String dst = Addresses.format(p.destinationHigh(), p.destinationLow());
        String javaEvent = primary == null ? "" : call(primary, captureTime);
        String peerJavaEvent = peer == null ? "" : call(peer, captureTime);
        String finding = findings(primary, peer);
        long connectionId = primary == null ? 0 : primary.connection.connectionId();
        long peerConnectionId = peer == null ? 0 : peer.connection.connectionId();
        int verdict = flow == null ? 0 : verdicts.see(flow, p);
        boolean retransmission = (verdict & PacketFacts.RETRANSMISSION) != 0;
        boolean zeroWindow = flow == null ? PacketFacts.zeroWindow(p) : (verdict & PacketFacts.ZERO_WINDOW) != 0;
        recording.writeEvent(packetType.asValue(e -> e
                .putField("startTime", base.ticks(jvmTime))
                .putField(PacketFields.CONNECTION_ID, connectionId)
                .putField(PacketFields.DIRECTION, direction)
                .putField(PacketFields.SOURCE_ADDRESS, src)
                .putField(PacketFields.SOURCE_PORT, p.sourcePort())
                .putField(PacketFields.DESTINATION_ADDRESS, dst)
                .putField(PacketFields.DESTINATION_PORT, p.destinationPort())
                .putField(PacketFields.FLAGS, flagText(flags))
                .putField(PacketFields.SEQUENCE, p.sequence() & 0xFFFF_FFFFL)
                .putField(PacketFields.ACKNOWLEDGEMENT, (flags & PacketCursor.ACK) != 0 ? p.acknowledgement() & 0xFFFF_FFFFL : 0L)
                .putField(PacketFields.WINDOW, window)
                .putField(PacketFields.WINDOW_SCALED, scaled)
                .putField(PacketFields.PAYLOAD_LENGTH, p.payloadLength())
                .putField(PacketFields.ZERO_WINDOW, zeroWindow)
                .putField(PacketFields.RETRANSMISSION, retransmission)
                .putField(PacketFields.JAVA_EVENT, javaEvent)
                .putField(PacketFields.FINDING, finding)
                .putField(PacketFields.PEER_CONNECTION_ID, peerConnectionId)
                .putField(PacketFields.PEER_JAVA_EVENT, peerJavaEvent)
                .putField(PacketFields.FRAME_NUMBER, frame)
                .putField(PacketFields.CAPTURE_TIME, base.ticks(captureTime))));
        return primary != null;
    }

    /** The Java call under way when the packet crossed the wire ("Send BROKEN_PIPE"), or "after" the last one before it. */
    private String call(Correlation.Joined j, long captureTime) {
        PacketIndex.Placement placement = index.place(j, captureTime);
        if (placement == null) {
            return "";
        }
        return placement.during ? placement.callText() : "after " + placement.callText();
    }

    /** The finding codes of the connection, then those of its other end that differ, comma-separated. */
    private static String findings(Correlation.Joined primary, Correlation.Joined peer) {
        if (primary == null || (primary.findings.isEmpty() && (peer == null || peer.findings.isEmpty()))) {
            return "";
        }
        Set<String> codes = new LinkedHashSet<>();
        for (Finding f : primary.findings) {
            codes.add(f.code);
        }
        if (peer != null) {
            for (Finding f : peer.findings) {
                codes.add(f.code);
            }
        }
        return String.join(",", codes);
    }

    /** "SYN", "SYN,ACK", "FIN,PSH,ACK": the set flags in Wireshark's order. */
    private String flagText(int flags) {
        String text = flagTexts[flags];
        if (text == null) {
            StringBuilder b = new StringBuilder(24);
            for (int bit = 0; bit < FLAG_NAMES.length; bit++) {
                if ((flags & (1 << bit)) != 0) {
                    b.append(b.length() == 0 ? "" : ",").append(FLAG_NAMES[bit]);
                }
            }
            text = b.toString();
            flagTexts[flags] = text;
        }
        return text;
    }

    /**
     * Declares {@value #EVENT_NAME} in a new chunk. The implicit {@code startTime} comes first (the
     * JDK's parser expects the implicit fields in the JDK's order); a packet is an instant with no
     * Java thread, so there is no {@code duration}, {@code eventThread} or {@code stackTrace}.
     */
    private static Type registerPacketType(Recording recording) {
        moveTypeIds(recording);
        Type contentType = recording.getType(Types.JDK.ANNOTATION_CONTENT_TYPE);
        Type relational = recording.registerAnnotationType("jdk.jfr.Relational", b -> b
                .addAnnotation(Types.JDK.ANNOTATION_LABEL, "Relation")
                .addAnnotation(Types.JDK.ANNOTATION_DESCRIPTION, "A relation to another event"));
        Type connectionIdAnnotation = recording.registerAnnotationType(EventNames.CONNECTION_ID_ANNOTATION, b -> b
                .addAnnotation(relational)
                .addAnnotation(Types.JDK.ANNOTATION_LABEL, "Connection Id")
                .addAnnotation(Types.JDK.ANNOTATION_DESCRIPTION, "Identifies one socket of this process"));
        Type dataAmount = recording.registerAnnotationType("jdk.jfr.DataAmount", b -> b
                .addField("value", Types.Builtin.STRING)
                .addAnnotation(contentType)
                .addAnnotation(Types.JDK.ANNOTATION_LABEL, "Data Amount")
                .addAnnotation(Types.JDK.ANNOTATION_DESCRIPTION, "Amount of data"));
        return recording.registerType(EVENT_NAME, "jdk.jfr.Event", b -> b
                .addAnnotation(Types.JDK.ANNOTATION_LABEL, "Packet")
                .addAnnotation(Types.JDK.ANNOTATION_DESCRIPTION,
                        "A TCP segment of the packet capture, on the JVM's clock, with the socket call it happened during")
                .addAnnotation(Types.JDK.ANNOTATION_CATEGORY, v -> v.putField("value", new String[] {"socktrace", "Packets"}))
                .addField("startTime", Types.Builtin.LONG, f -> f
                        .addAnnotation(Types.JDK.ANNOTATION_TIMESTAMP, "TICKS")
                        .addAnnotation(Types.JDK.ANNOTATION_LABEL, "Start Time"))
                .addField(PacketFields.CONNECTION_ID, Types.Builtin.LONG, f -> f
                        .addAnnotation(connectionIdAnnotation)
                        .addAnnotation(Types.JDK.ANNOTATION_LABEL, "Connection Id")
                        .addAnnotation(Types.JDK.ANNOTATION_DESCRIPTION,
                                "The traced connection this packet belongs to (the client's end when both ends were traced); 0 if none"))
                .addField(PacketFields.DIRECTION, Types.Builtin.STRING, f -> label(f, "Direction",
                        "sent or received as seen by that connection; client->server or server->client for a flow of no traced connection"))
                .addField(PacketFields.SOURCE_ADDRESS, Types.Builtin.STRING, f -> label(f, "Source Address", "IP address of the sender"))
                .addField(PacketFields.SOURCE_PORT, Types.Builtin.INT, f -> label(f, "Source Port", "TCP port of the sender"))
                .addField(PacketFields.DESTINATION_ADDRESS, Types.Builtin.STRING, f -> label(f, "Destination Address", "IP address of the receiver"))
                .addField(PacketFields.DESTINATION_PORT, Types.Builtin.INT, f -> label(f, "Destination Port", "TCP port of the receiver"))
                .addField(PacketFields.FLAGS, Types.Builtin.STRING, f -> label(f, "Flags", "TCP flags set, e.g. SYN,ACK or RST,ACK"))
                .addField(PacketFields.SEQUENCE, Types.Builtin.LONG, f -> label(f, "Sequence Number", "Raw 32-bit sequence number"))
                .addField(PacketFields.ACKNOWLEDGEMENT, Types.Builtin.LONG, f -> label(f, "Acknowledgement Number",
                        "Raw 32-bit acknowledgement number; 0 without the ACK flag"))
                .addField(PacketFields.WINDOW, Types.Builtin.LONG, f -> label(f, "Window",
                        "Receive window the sender advertised, scaled when both SYNs offered window scaling")
                        .addAnnotation(dataAmount, "BYTES"))
                .addField(PacketFields.WINDOW_SCALED, Types.Builtin.BOOLEAN, f -> label(f, "Window Scaled",
                        "Whether the window is scaled; if not, it is the raw 16-bit header value"))
                .addField(PacketFields.PAYLOAD_LENGTH, Types.Builtin.INT, f -> label(f, "Payload Length", "TCP payload bytes on the wire")
                        .addAnnotation(dataAmount, "BYTES"))
                .addField(PacketFields.ZERO_WINDOW, Types.Builtin.BOOLEAN, f -> label(f, "Zero Window",
                        "The sender advertised a zero receive window: it could not take more data"))
                .addField(PacketFields.RETRANSMISSION, Types.Builtin.BOOLEAN, f -> label(f, "Retransmission",
                        "The segment resends data (or a SYN) its sender had sent before"))
                .addField(PacketFields.JAVA_EVENT, Types.Builtin.STRING, f -> label(f, "Java Event",
                        "The socktrace call of that connection under way when the packet was seen, e.g. Send BROKEN_PIPE, "
                                + "or after the last call that had ended"))
                .addField(PacketFields.FINDING, Types.Builtin.STRING, f -> label(f, "Finding",
                        "Finding codes of the connection, e.g. REFUSED or PEER_RESET; empty if none"))
                .addField(PacketFields.PEER_CONNECTION_ID, Types.Builtin.LONG, f -> label(f, "Peer Connection Id",
                        "The traced connection at the server's end when both ends were traced in this recording; 0 if none")
                        .addAnnotation(connectionIdAnnotation))
                .addField(PacketFields.PEER_JAVA_EVENT, Types.Builtin.STRING, f -> label(f, "Peer Java Event",
                        "The call under way at the server's end when both ends were traced"))
                .addField(PacketFields.FRAME_NUMBER, Types.Builtin.LONG, f -> label(f, "Frame Number",
                        "Number of the packet in the capture, counting from 1 as Wireshark does"))
                .addField(PacketFields.CAPTURE_TIME, Types.Builtin.LONG, f -> label(f, "Capture Time",
                        "Time stamp of the packet in the capture, on the capture's clock")
                        .addAnnotation(Types.JDK.ANNOTATION_TIMESTAMP, "TICKS")));
    }

    /**
     * Makes the types registered from now on take ids from {@link #TYPE_ID_BASE}. The writer has
     * no API for this, so it sets its (private) type counter; checked on every run by the test
     * that reads the result with the JDK's tools, and pinned to flightrecorder.writer 9.1.2.
     */
    private static void moveTypeIds(Recording recording) {
        try {
            Field metadataField = recording.getClass().getDeclaredField("metadata");
            metadataField.setAccessible(true);
            Object metadata = metadataField.get(recording);
            Field counterField = metadata.getClass().getDeclaredField("typeCounter");
            counterField.setAccessible(true);
            ((AtomicLong) counterField.get(metadata)).set(TYPE_ID_BASE);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("flightrecorder.writer has changed: cannot choose the type ids (" + e + ")", e);
        }
    }

    private static org.openjdk.jmc.flightrecorder.writer.api.TypedFieldBuilder label(
            org.openjdk.jmc.flightrecorder.writer.api.TypedFieldBuilder field, String label, String description) {
        return field.addAnnotation(Types.JDK.ANNOTATION_LABEL, label).addAnnotation(Types.JDK.ANNOTATION_DESCRIPTION, description);
    }
}
