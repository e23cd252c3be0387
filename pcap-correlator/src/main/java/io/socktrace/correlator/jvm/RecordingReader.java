package io.socktrace.correlator.jvm;

import io.socktrace.events.EventFields;
import io.socktrace.events.EventNames;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 *
 * <p>The events are read by {@link ChunkEventReader} (about 4x faster in a fresh JVM); a file it
 * does not know or finds damaged goes to the JDK's reader, and only if that fails too is the file
 * reported, with the chunk reader's offset.
 */
public final class RecordingReader {

    /**
     * The agent's events that belong to one socket (they carry connectionId). Not socktrace.Packet,
     * the correlator's own packet events (correlate --jfr-out): captured packets, not calls of the JVM.
     */
    private static final List<String> CONNECTION_EVENTS = EventNames.CONNECTION_EVENTS;

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
        return read(file, false, new RecordingSampling());
    }

    /** As {@link #read(Path)}, adding to {@code sampling} which connections the recording holds (its Sampling and EndpointStatistics events). */
    public static List<JvmConnection> read(Path file, RecordingSampling sampling) throws RecordingException {
        return read(file, false, sampling);
    }

    /** The events read besides the connections' own: they say which connections the recording holds. */
    private static final Set<String> CHOSEN = chosen();

    private static Set<String> chosen() {
        Set<String> names = new java.util.HashSet<>(CONNECTION_EVENTS);
        names.add(EventNames.SAMPLING);
        names.add(EventNames.ENDPOINT_STATISTICS);
        return Set.copyOf(names);
    }

    static List<JvmConnection> read(Path file, boolean jdkReader) throws RecordingException {
        return read(file, jdkReader, new RecordingSampling());
    }

    /** As {@link #read(Path)}; with {@code jdkReader} only through the JDK's reader (for comparing the two). */
    static List<JvmConnection> read(Path file, boolean jdkReader, RecordingSampling sampling) throws RecordingException {
        if (!Files.isRegularFile(file)) {
            throw new RecordingException(file + ": no such recording", null);
        }
        checkChunks(file);
        Collector collector = new Collector(new RecordingSampling());
        if (jdkReader) {
            readWithJdk(file, collector);
        } else {
            try {
                ChunkEventReader.read(file, CHOSEN, collector);
            } catch (ChunkEventReader.Unsupported | ChunkEventReader.Damaged e) {
                // A layout the chunk reader does not know, or damage it found: the JDK's reader knows more
                // layouts. If it fails too, the chunk reader's message names the offset.
                collector = new Collector(new RecordingSampling());
                try {
                    readWithJdk(file, collector);
                } catch (RecordingException jdkFailed) {
                    if (e instanceof ChunkEventReader.Damaged) {
                        throw new RecordingException(file + ": not a readable JFR recording (" + e.getMessage() + ")", e);
                    }
                    throw jdkFailed;
                }
            } catch (ChunkEventReader.SeveralJvms e) {
                throw new RecordingException(file + ": " + e.getMessage(), e);
            } catch (IOException e) {
                throw new RecordingException(file + ": cannot read (" + e.getMessage() + ")", e);
            }
        }
        sampling.add(collector.sampling);
        Map<Long, JvmConnection> byId = collector.byId;
        List<JvmConnection> result = new ArrayList<>(byId.values());
        String name = file.getFileName().toString();
        name = name.endsWith(".jfr") ? name.substring(0, name.length() - 4) : name;
        for (JvmConnection c : result) {
            c.recording = name;
            c.calls.sort(Comparator.comparingLong(call -> call.startNanos));
        }
        // events come in per-thread buffers, not in time order. The key is taken once per connection
        // (firstNanos walks its calls), not twice per comparison; the stable sort gives the same order.
        List<Map.Entry<Long, JvmConnection>> keyed = new ArrayList<>(result.size());
        for (JvmConnection c : result) {
            keyed.add(Map.entry(c.firstNanos(), c));
        }
        keyed.sort(Comparator.comparingLong(Map.Entry::getKey));
        for (int i = 0; i < keyed.size(); i++) {
            result.set(i, keyed.get(i).getValue());
        }
        return result;
    }

    /** Gathers the events of each socket, whichever reader hands them over. */
    private static final class Collector implements ChunkEventReader.Handler {
        final Map<Long, JvmConnection> byId = new LinkedHashMap<>();
        /** By the reader's set of field names: one set object per event type and chunk. */
        private final Map<Set<String>, Fields> fieldsByType = new IdentityHashMap<>();
        final RecordingSampling sampling;

        Collector(RecordingSampling sampling) {
            this.sampling = sampling;
        }

        @Override
        public void event(ChunkEventReader.Event e) {
            if (sampling.see(e)) {
                return;
            }
            Fields fields = fieldsByType.get(e.fieldNames());
            if (fields == null) {
                fields = e.fieldNames().contains(EventFields.CONNECTION_ID) ? new Fields(e.fieldNames()) : NO_CONNECTION;
                fieldsByType.put(e.fieldNames(), fields);
            }
            if (fields == NO_CONNECTION) {
                return;
            }
            long id = e.number(EventFields.CONNECTION_ID);
            String event = e.typeName().substring(EventNames.PREFIX.length());
            if (e.typeName().equals(EventNames.ACCEPT) && id == 0) {
                return; // an accept that failed belongs to no connection
            }
            add(byId.computeIfAbsent(id, JvmConnection::new), e, event, fields);
        }
    }

    /**
     * The JDK's reader, for files the chunk reader does not know. A stream with a handler per
     * socktrace event: the parser skips every other event without materialising it.
     */
    private static void readWithJdk(Path file, Collector collector) throws RecordingException {
        Map<Long, Set<String>> namesByType = new HashMap<>();
        RecordedView view = new RecordedView();
        try (EventStream stream = EventStream.openFile(file)) {
            stream.setOrdered(false);
            for (String event : CHOSEN) {
                stream.onEvent(event, e -> {
                    EventType type = e.getEventType();
                    Set<String> names = namesByType.get(type.getId());
                    if (names == null) {
                        names = new java.util.HashSet<>();
                        for (ValueDescriptor field : type.getFields()) {
                            names.add(field.getName());
                        }
                        namesByType.put(type.getId(), names);
                    }
                    view.event = e;
                    view.names = names;
                    collector.event(view);
                });
            }
            stream.start();
        } catch (IOException | RuntimeException e) {
            throw new RecordingException(file + ": not a readable JFR recording (" + e.getMessage() + ")", e);
        }
    }

    /** A RecordedEvent seen as the chunk reader's events are. */
    private static final class RecordedView implements ChunkEventReader.Event {
        RecordedEvent event;
        Set<String> names;

        @Override
        public String typeName() {
            return event.getEventType().getName();
        }

        @Override
        public Set<String> fieldNames() {
            return names;
        }

        @Override
        public long startNanos() {
            return nanos(event.getStartTime());
        }

        @Override
        public long durationNanos() {
            return event.getDuration().toNanos();
        }

        @Override
        public String string(String field) {
            return names.contains(field) ? event.getString(field) : null;
        }

        @Override
        public long number(String field) {
            if (!names.contains(field)) {
                return 0;
            }
            Object value = event.getValue(field);
            // a boolean (handledByJdk) reads as 1 or 0, as the chunk reader gives it
            return value instanceof Boolean ? ((Boolean) value ? 1 : 0) : value instanceof Number ? ((Number) value).longValue() : 0;
        }

        @Override
        public String threadName() {
            RecordedThread t = event.getThread();
            return t == null ? null : t.getJavaName();
        }
    }

    /**
     * Walks the chunk headers ("FLR\0", major, minor, chunk size): EventStream passes over a file
     * that is not a recording, or a chunk cut off by a killed JVM, in silence, so the structure is
     * checked first and a bad file named with the byte offset where it goes wrong.
     */
    static void checkChunks(Path file) throws RecordingException {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long length = in.size();
            long position = 0;
            int chunks = 0;
            while (position < length) {
                ChunkHeader header = ChunkHeader.at(in, position);
                if (header == null) {
                    throw new RecordingException(file + ": not a readable JFR recording (" + (length - position)
                            + " stray bytes at byte " + position + ")", null);
                }
                if (!header.hasMagic()) {
                    throw new RecordingException(file + ": not a readable JFR recording (no chunk header at byte " + position
                            + (chunks == 0 ? ": not a JFR file" : "") + ")", null);
                }
                if (!header.complete()) {
                    throw new RecordingException(file + ": not a readable JFR recording (the chunk at byte " + position
                            + " says " + header.size() + " bytes but the file has " + (length - position)
                            + " from there: cut off, or still being written)", null);
                }
                position = header.end();
                chunks++;
            }
            if (chunks == 0) {
                throw new RecordingException(file + ": not a readable JFR recording (empty file)", null);
            }
        } catch (IOException e) {
            throw new RecordingException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }


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
        final boolean handledByJdk;

        private Fields() {
            outcomeField = null;
            bytesRead = false;
            bytesWritten = false;
            exceptionMessage = false;
            port = false;
            localPort = false;
            host = false;
            communityId = false;
            handledByJdk = false;
        }

        Fields(Set<String> names) {
            String outcome = null;
            for (String candidate : new String[] {EventFields.OUTCOME, EventFields.INITIATOR, EventFields.KIND, EventFields.STATE}) {
                if (names.contains(candidate)) {
                    outcome = candidate;
                    break;
                }
            }
            outcomeField = outcome;
            bytesRead = names.contains(EventFields.BYTES_READ);
            bytesWritten = names.contains(EventFields.BYTES_WRITTEN);
            exceptionMessage = names.contains(EventFields.EXCEPTION_MESSAGE);
            port = names.contains(EventFields.PORT) && names.contains(EventFields.ADDRESS);
            localPort = names.contains(EventFields.LOCAL_PORT) && names.contains(EventFields.LOCAL_ADDRESS);
            host = names.contains(EventFields.HOST);
            communityId = names.contains(EventFields.COMMUNITY_ID);
            handledByJdk = names.contains(EventFields.HANDLED_BY_JDK);
        }
    }

    private static void add(JvmConnection c, ChunkEventReader.Event e, String event, Fields f) {
        long start = e.startNanos();
        long duration = e.durationNanos();
        String outcome = f.outcomeField == null ? null : e.string(f.outcomeField);
        String type = e.typeName();
        long bytes = f.bytesRead && type.equals(EventNames.RECEIVE) ? e.number(EventFields.BYTES_READ)
                : f.bytesWritten && type.equals(EventNames.SEND) ? e.number(EventFields.BYTES_WRITTEN) : 0;
        String message = f.exceptionMessage ? e.string(EventFields.EXCEPTION_MESSAGE) : null;
        boolean handled = f.handledByJdk && e.number(EventFields.HANDLED_BY_JDK) != 0;
        JvmConnection.Call call = new JvmConnection.Call(event, start, duration, outcome, bytes, message, handled);
        c.calls.add(call);
        if (f.port) {
            int port = (int) e.number(EventFields.PORT);
            if (port > 0) {
                c.remotePort = port;
                String literal = e.string(EventFields.ADDRESS);
                if (literal != null && !literal.equals(c.remoteLiteral)) {
                    c.remoteAddress = address(literal, c.remoteAddress);
                    c.remoteLiteral = literal;
                }
            }
        }
        if (f.localPort) {
            int localPort = (int) e.number(EventFields.LOCAL_PORT);
            if (localPort > 0) {
                c.localPort = localPort;
                String literal = e.string(EventFields.LOCAL_ADDRESS);
                if (literal != null && !literal.equals(c.localLiteral)) {
                    c.localAddress = address(literal, c.localAddress);
                    c.localLiteral = literal;
                }
            }
        }
        if (f.host && c.host == null) {
            c.host = e.string(EventFields.HOST);
        }
        if (f.communityId) {
            String communityId = e.string(EventFields.COMMUNITY_ID);
            if (communityId != null) {
                c.communityId = communityId;
            }
        }
        switch (type) {
            case EventNames.CONNECT:
                c.side = JvmConnection.Side.CLIENT;
                c.connect = call;
                c.thread = e.threadName();
                break;
            case EventNames.ACCEPT:
                c.side = JvmConnection.Side.SERVER;
                c.accept = call;
                c.thread = e.threadName();
                break;
            case EventNames.LISTEN:
                c.side = JvmConnection.Side.LISTENER;
                break;
            case EventNames.CLOSE:
                c.close = call;
                c.closeInitiator = EventFields.INITIATOR.equals(f.outcomeField) ? outcome : null;
                c.bytesRead = e.number(EventFields.BYTES_READ);
                c.bytesWritten = e.number(EventFields.BYTES_WRITTEN);
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

    static long nanos(Instant instant) {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }
}
