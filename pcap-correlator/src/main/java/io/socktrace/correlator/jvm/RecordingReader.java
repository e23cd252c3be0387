package io.socktrace.correlator.jvm;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.EventType;
import jdk.jfr.ValueDescriptor;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.EventStream;

/**
 * Reads the socktrace events of a recording into one {@link JvmConnection} per socket. Streams the
 * file event by event; what it keeps grows with the number of sockets, not with the recording's
 * size beyond that. A file that is not a readable recording gives a {@link RecordingException}
 * naming the file, never a stack trace.
 */
public final class RecordingReader {

    /**
     * The agent's events that belong to one socket (they carry connectionId). Not socktrace.Packet,
     * the correlator's own packet events (correlate --jfr-out): captured packets, not calls of the JVM.
     */
    private static final List<String> CONNECTION_EVENTS = List.of("socktrace.Connect", "socktrace.Accept", "socktrace.Listen",
            "socktrace.Receive", "socktrace.Send", "socktrace.Reset", "socktrace.Close", "socktrace.Shutdown",
            "socktrace.SocketOption", "socktrace.CloseWaitLeak", "socktrace.Leak", "socktrace.TcpInfo", "socktrace.ListenQueue");

    private RecordingReader() {
    }

    /** The recording could not be read; the message names the file. */
    public static final class RecordingException extends Exception {
        private static final long serialVersionUID = 1L;

        RecordingException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The sockets a recording describes, ordered by their first event. */
    public static List<JvmConnection> read(Path file) throws RecordingException {
        if (!Files.isRegularFile(file)) {
            throw new RecordingException(file + ": no such recording", null);
        }
        checkChunks(file);
        Map<Long, JvmConnection> byId = new LinkedHashMap<>();
        // by event type id: a recording made of several chunks describes a type in each, same id
        Map<Long, Fields> fieldsByType = new java.util.HashMap<>();
        // A stream with a handler per socktrace event: the parser skips every other event of the
        // recording (JDK events are most of it) without materialising it, about 3x faster than
        // RecordingFile, which builds every event.
        try (EventStream stream = EventStream.openFile(file)) {
            // unordered: no sorting of each chunk's events by time; calls are sorted per connection below
            stream.setOrdered(false);
            for (String event : CONNECTION_EVENTS) {
                String shortName = event.substring("socktrace.".length());
                stream.onEvent(event, e -> {
                    EventType type = e.getEventType();
                    Fields fields = fieldsByType.get(type.getId());
                    if (fields == null) {
                        fields = type.getField("connectionId") == null ? NO_CONNECTION : new Fields(type);
                        fieldsByType.put(type.getId(), fields);
                    }
                    if (fields == NO_CONNECTION) {
                        return;
                    }
                    long id = e.getLong("connectionId");
                    if (event.equals("socktrace.Accept") && id == 0) {
                        return; // an accept that failed belongs to no connection
                    }
                    add(byId.computeIfAbsent(id, JvmConnection::new), e, shortName, fields);
                });
            }
            stream.start();
        } catch (IOException | RuntimeException e) {
            throw new RecordingException(file + ": not a readable JFR recording (" + e.getMessage() + ")", e);
        }
        List<JvmConnection> result = new ArrayList<>(byId.values());
        String name = file.getFileName().toString();
        name = name.endsWith(".jfr") ? name.substring(0, name.length() - 4) : name;
        for (JvmConnection c : result) {
            c.recording = name;
            c.calls.sort(Comparator.comparingLong(call -> call.startNanos));
        }
        result.sort(Comparator.comparingLong(JvmConnection::firstNanos)); // events come in per-thread buffers, not in time order
        return result;
    }

    /**
     * Walks the chunk headers ("FLR\0", major, minor, chunk size): EventStream passes over a file
     * that is not a recording, or a chunk cut off by a killed JVM, in silence, so the structure is
     * checked first and a bad file named with the byte offset where it goes wrong.
     */
    static void checkChunks(Path file) throws RecordingException {
        try (java.io.RandomAccessFile in = new java.io.RandomAccessFile(file.toFile(), "r")) {
            long length = in.length();
            long position = 0;
            int chunks = 0;
            while (position < length) {
                if (length - position < CHUNK_HEADER_BYTES) {
                    throw new RecordingException(file + ": not a readable JFR recording (" + (length - position)
                            + " stray bytes at byte " + position + ")", null);
                }
                in.seek(position);
                int magic = in.readInt();
                if (magic != CHUNK_MAGIC) {
                    throw new RecordingException(file + ": not a readable JFR recording (no chunk header at byte " + position
                            + (chunks == 0 ? ": not a JFR file" : "") + ")", null);
                }
                in.readShort(); // major version
                in.readShort(); // minor version
                long size = in.readLong();
                if (size < CHUNK_HEADER_BYTES || size > length - position) {
                    throw new RecordingException(file + ": not a readable JFR recording (the chunk at byte " + position
                            + " says " + size + " bytes but the file has " + (length - position)
                            + " from there: cut off, or still being written)", null);
                }
                position += size;
                chunks++;
            }
            if (chunks == 0) {
                throw new RecordingException(file + ": not a readable JFR recording (empty file)", null);
            }
        } catch (IOException e) {
            throw new RecordingException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static final int CHUNK_MAGIC = 0x464c5200; // "FLR\0"
    private static final int CHUNK_HEADER_BYTES = 68;

    /** Marks an event type without connectionId (an older or foreign event of the same name). */
    private static final Fields NO_CONNECTION = new Fields();

    /**
     * Which of the fields {@link #add} reads an event type has, looked up once per type: asking a
     * RecordedEvent by name scans its fields each time (with hasField first, twice), which was
     * most of the time spent reading a recording.
     */
    private static final class Fields {
        final String outcomeField;
        final boolean bytesRead;
        final boolean bytesWritten;
        final boolean exceptionMessage;
        final boolean port;
        final boolean localPort;
        final boolean host;
        final boolean communityId;

        private Fields() {
            outcomeField = null;
            bytesRead = false;
            bytesWritten = false;
            exceptionMessage = false;
            port = false;
            localPort = false;
            host = false;
            communityId = false;
        }

        Fields(EventType type) {
            java.util.Set<String> names = new java.util.HashSet<>();
            for (ValueDescriptor field : type.getFields()) {
                names.add(field.getName());
            }
            String outcome = null;
            for (String candidate : new String[] {"outcome", "initiator", "kind", "state"}) {
                if (names.contains(candidate)) {
                    outcome = candidate;
                    break;
                }
            }
            outcomeField = outcome;
            bytesRead = names.contains("bytesRead");
            bytesWritten = names.contains("bytesWritten");
            exceptionMessage = names.contains("exceptionMessage");
            port = names.contains("port") && names.contains("address");
            localPort = names.contains("localPort") && names.contains("localAddress");
            host = names.contains("host");
            communityId = names.contains("communityId");
        }
    }

    private static void add(JvmConnection c, RecordedEvent e, String event, Fields f) {
        long start = nanos(e.getStartTime());
        long duration = e.getDuration().toNanos();
        String outcome = f.outcomeField == null ? null : e.getString(f.outcomeField);
        long bytes = f.bytesRead && event.equals("Receive") ? e.getLong("bytesRead")
                : f.bytesWritten && event.equals("Send") ? e.getLong("bytesWritten") : 0;
        String message = f.exceptionMessage ? e.getString("exceptionMessage") : null;
        JvmConnection.Call call = new JvmConnection.Call(event, start, duration, outcome, bytes, message);
        c.calls.add(call);
        if (f.port) {
            int port = e.getInt("port");
            if (port > 0) {
                c.remotePort = port;
                String literal = e.getString("address");
                if (literal != null && !literal.equals(c.remoteLiteral)) {
                    c.remoteAddress = address(literal, c.remoteAddress);
                    c.remoteLiteral = literal;
                }
            }
        }
        if (f.localPort) {
            int localPort = e.getInt("localPort");
            if (localPort > 0) {
                c.localPort = localPort;
                String literal = e.getString("localAddress");
                if (literal != null && !literal.equals(c.localLiteral)) {
                    c.localAddress = address(literal, c.localAddress);
                    c.localLiteral = literal;
                }
            }
        }
        if (f.host && c.host == null) {
            c.host = e.getString("host");
        }
        if (f.communityId) {
            String communityId = e.getString("communityId");
            if (communityId != null) {
                c.communityId = communityId;
            }
        }
        switch (event) {
            case "Connect":
                c.side = JvmConnection.Side.CLIENT;
                c.connect = call;
                c.thread = threadOf(e);
                break;
            case "Accept":
                c.side = JvmConnection.Side.SERVER;
                c.accept = call;
                c.thread = threadOf(e);
                break;
            case "Listen":
                c.side = JvmConnection.Side.LISTENER;
                break;
            case "Close":
                c.close = call;
                c.closeInitiator = "initiator".equals(f.outcomeField) ? outcome : null;
                c.bytesRead = e.getLong("bytesRead");
                c.bytesWritten = e.getLong("bytesWritten");
                break;
            default:
                break;
        }
    }

    /** Parses the literal address the agent recorded; never a name lookup (the text is an IP literal). */
    private static InetAddress address(String literal, InetAddress previous) {
        if (literal == null || literal.isEmpty()) {
            return previous;
        }
        try {
            return InetAddress.getByName(literal); // an IP literal: no DNS query is made for it
        } catch (UnknownHostException e) {
            return previous;
        }
    }

    private static String threadOf(RecordedEvent e) {
        RecordedThread t = e.getThread();
        return t == null ? null : t.getJavaName();
    }

    static long nanos(Instant instant) {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }
}
