package io.socktrace.correlator.jvm;

import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads chosen events of a JFR file straight from its chunks, for the correlator: the events of a
 * few named types with their primitive and string fields and their thread's Java name, nothing
 * else. Every other event is stepped over by its size.
 *
 * <p>Why not {@code jdk.jfr.consumer}: in a fresh JVM its parser starts slowly (~0.5 s before the
 * first event of a 5 MB recording: its classes, the parsers it generates for every type of the
 * recording, and their compilation) and reading the recording was the larger half of a whole
 * {@code correlate} run. This reader knows the layout of format 2.x as the JDK 17 to 25 write it
 * (chunk header, metadata event, checkpoint events with constant pools, LEB128-style compressed
 * integers, the six string encodings) and nothing more; for a file outside that it throws
 * {@link Unsupported} and the caller falls back to the JDK's reader.
 *
 * <p>Every count and length is checked against the bytes left before it is used, nesting is
 * bounded, and a read past a chunk's end is reported, so a damaged file ends in a
 * {@link Damaged} naming the byte offset, never in an out-of-memory or a stack overflow.
 */
final class ChunkEventReader {

    /** The file is readable JFR but uses something this reader does not know; use the JDK's reader. */
    static final class Unsupported extends Exception {
        private static final long serialVersionUID = 1L;

        Unsupported(String message) {
            super(message);
        }
    }

    /** The file is damaged at {@link #offset}. */
    static final class Damaged extends Exception {
        private static final long serialVersionUID = 1L;
        final long offset;

        Damaged(long offset, String message) {
            super(message + " at byte " + offset);
            this.offset = offset;
        }
    }

    /**
     * A chunk counts its ticks from another JVM's start than the first chunk did: recordings of
     * several JVMs were put in one file. Their connection ids overlap, so they cannot be read as one.
     */
    static final class SeveralJvms extends Exception {
        private static final long serialVersionUID = 1L;

        SeveralJvms(long offset) {
            super("the chunk at byte " + offset + " comes from another JVM than the first chunk (its clock differs): "
                    + "recordings of several JVMs in one file; give each its own --jfr");
        }
    }

    /** One event of a chosen type, as the reader hands it over; valid only during the call. */
    interface Event {
        /** The event type's name. */
        String typeName();

        /** Field names of this event's type (the same set for every event of the type in a chunk). */
        Set<String> fieldNames();

        long startNanos();

        long durationNanos();

        /** The string field's value, or null (also when the field is missing or not a string). */
        String string(String field);

        /** The integral field's value, or 0 (also when missing or not integral). */
        long number(String field);

        /** The Java name of the thread that wrote the event, or null. */
        String threadName();
    }

    /** Receives the chosen events in file order. */
    interface Handler {
        void event(Event event);
    }

    private static final int HEADER_BYTES = ChunkHeader.SIZE;
    private static final int FLAG_COMPRESSED_TICKS = 1 << 2;
    private static final long METADATA_TYPE = 0;
    private static final long CHECKPOINT_TYPE = 1;
    private static final int MAX_DEPTH = 32;
    /** Two chunk headers of one JVM agree on its clock to well within this. */
    private static final long SAME_CLOCK_NANOS = 1_000_000L;
    /**
     * Beyond this, a chunk's ticks count from another origin: another JVM (each counts from its own
     * start). Far above what clock adjustments move one JVM's chunks by.
     */
    private static final long OTHER_JVM_NANOS = 100_000_000L;

    private static final int K_BOOLEAN = 0;
    private static final int K_BYTE = 1;
    private static final int K_INTEGRAL = 2; // short, char, int, long: compressed
    private static final int K_FLOAT = 3;
    private static final int K_DOUBLE = 4;
    private static final int K_STRING = 5;
    private static final int K_STRUCT = 6;

    private final Set<String> chosen;
    private final Handler handler;

    // the chunk being read
    private MappedByteBuffer buffer;
    private long chunkStart;
    private int position;
    private int limit;

    private ChunkEventReader(Set<String> chosen, Handler handler) {
        this.chosen = chosen;
        this.handler = handler;
    }

    /**
     * Reads every chunk of {@code file} and hands each event whose type name is in {@code chosen}
     * to {@code handler}. The chunk headers must have been checked already (sizes within the file).
     */
    static void read(Path file, Set<String> chosen, Handler handler) throws IOException, Unsupported, Damaged, SeveralJvms {
        ChunkEventReader reader = new ChunkEventReader(chosen, handler);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            for (ChunkHeader header = ChunkHeader.at(channel, 0); header != null; header = header.next(channel)) {
                if (!header.complete()) {
                    throw new Damaged(header.position(), "chunk size " + header.size());
                }
                if (header.size() > Integer.MAX_VALUE) {
                    throw new Unsupported("a chunk of " + header.size() + " bytes");
                }
                reader.chunk(channel.map(FileChannel.MapMode.READ_ONLY, header.position(), header.size()), header);
            }
        }
    }

    /** A type of the chunk's metadata. */
    private static final class Type {
        final long id;
        final String name;
        final String superType;
        final int kind;
        final List<Field> fields = new ArrayList<>();
        /** Field name to index, for chosen event types and java.lang.Thread. */
        Map<String, Integer> index;
        /** Its values flattened into reads ({@link SkipProgram}); null until first needed. */
        int[] skipProgram;
        /** True once it is known that no program can be made (nested too deep, or too large). */
        boolean noSkipProgram;

        Type(long id, String name, String superType) {
            this.id = id;
            this.name = name;
            this.superType = superType;
            this.kind = kindOf(name);
        }
    }

    private static final class Field {
        final String name;
        final long typeId;
        final boolean array;
        final boolean constantPool;
        Type type;

        Field(String name, long typeId, boolean array, boolean constantPool) {
            this.name = name;
            this.typeId = typeId;
            this.array = array;
            this.constantPool = constantPool;
        }
    }

    private static int kindOf(String name) {
        switch (name) {
            case "boolean":
                return K_BOOLEAN;
            case "byte":
                return K_BYTE;
            case "short":
            case "char":
            case "int":
            case "long":
                return K_INTEGRAL;
            case "float":
                return K_FLOAT;
            case "double":
                return K_DOUBLE;
            case "java.lang.String":
                return K_STRING;
            default:
                return K_STRUCT;
        }
    }

    // ---- one chunk

    private Map<Long, Type> types;
    private Type stringType;
    private Type threadType;
    /** Constant pool strings; values are String or a Long key into this same pool. */
    private final Map<Long, Object> strings = new HashMap<>();
    /** Thread key to its javaName: a String, or a Long key into the string pool. */
    private final Map<Long, Object> threads = new HashMap<>();
    private long startNanos;
    private long startTicks;
    private double ticksPerNanosecond;
    private long metadataId;
    /** The metadata id the clock above was taken with; -1 before the first chunk. */
    private long clockMetadataId = -1;

    private void chunk(MappedByteBuffer chunk, ChunkHeader header) throws Unsupported, Damaged, SeveralJvms {
        long start = header.position();
        buffer = chunk;
        chunkStart = start;
        limit = chunk.capacity();
        strings.clear();
        threads.clear();
        try {
            if (!header.hasMagic()) {
                throw new Damaged(start, "no chunk header");
            }
            int major = header.major();
            if (major != 2) {
                throw new Unsupported("format version " + major + "." + header.minor());
            }
            long metadataPosition = header.metadataPosition();
            long chunkStartNanos = header.startNanos();
            long chunkStartTicks = header.startTicks();
            long ticksPerSecond = header.ticksPerSecond();
            if ((header.flags() & FLAG_COMPRESSED_TICKS) != 0) {
                throw new Unsupported("compressed ticks");
            }
            if (ticksPerSecond <= 0) {
                throw new Damaged(start + ChunkHeader.TICKS_PER_SECOND_OFFSET, "ticks per second " + ticksPerSecond);
            }
            if (metadataPosition < HEADER_BYTES || metadataPosition >= limit) {
                throw new Damaged(start + 24, "metadata position " + metadataPosition);
            }
            readMetadata((int) metadataPosition);
            // The JDK's reader keeps converting ticks with an earlier chunk's clock while the metadata
            // stays the same (it reuses its parsers); so does this one, so that both give the same
            // nanosecond (chunk headers measure the clock afresh, tens of nanoseconds apart).
            long disagreement = clockMetadataId == -1 ? 0
                    : Math.abs(startNanos + (long) ((chunkStartTicks - startTicks) / ticksPerNanosecond) - chunkStartNanos);
            if (disagreement > OTHER_JVM_NANOS) {
                throw new SeveralJvms(start);
            }
            boolean sameClock = metadataId == clockMetadataId && disagreement < SAME_CLOCK_NANOS;
            if (!sameClock) {
                startNanos = chunkStartNanos;
                startTicks = chunkStartTicks;
                ticksPerNanosecond = ticksPerSecond / 1e9;
                clockMetadataId = metadataId;
            }
            // pass 1: the constant pools (a pool can come after the events that refer to it)
            for (position = HEADER_BYTES; position < limit; ) {
                int eventStart = position;
                int size = size();
                long type = readLong();
                if (type == CHECKPOINT_TYPE) {
                    readCheckpoint(eventStart + size);
                }
                position = eventStart + size;
            }
            // pass 2: the chosen events
            Map<Long, ChosenEvent> plans = new HashMap<>();
            for (Type t : types.values()) {
                if (chosen.contains(t.name) && "jdk.jfr.Event".equals(t.superType)) {
                    plans.put(t.id, new ChosenEvent(t));
                }
            }
            for (position = HEADER_BYTES; position < limit; ) {
                int eventStart = position;
                int size = size();
                long type = readLong();
                ChosenEvent plan = plans.get(type);
                if (plan != null) {
                    plan.parse(eventStart + size);
                    handler.event(plan);
                }
                position = eventStart + size;
            }
        } catch (IndexOutOfBoundsException | BufferUnderflowException e) {
            throw new Damaged(start + position, "a value runs past the end of its chunk");
        }
    }

    private int size() throws Damaged {
        int at = position;
        long size = readLong();
        if (size <= 0 || size > limit - at) {
            throw new Damaged(chunkStart + at, "event size " + size);
        }
        return (int) size;
    }

    // ---- metadata

    private static final class Element {
        final String name;
        final Map<String, String> attributes = new HashMap<>();
        final List<Element> children = new ArrayList<>();

        Element(String name) {
            this.name = name;
        }
    }

    private void readMetadata(int at) throws Damaged, Unsupported {
        position = at;
        int end = at + size();
        if (readLong() != METADATA_TYPE) {
            throw new Damaged(chunkStart + at, "the chunk header's metadata position holds another event");
        }
        readLong(); // start time
        readLong(); // duration
        metadataId = readLong();
        int count = count(end);
        String[] table = new String[count];
        for (int i = 0; i < count; i++) {
            table[i] = readString(end);
        }
        Element root = element(table, end, 0);
        types = new HashMap<>();
        for (Element metadata : root.children) {
            if (!metadata.name.equals("metadata")) {
                continue;
            }
            for (Element c : metadata.children) {
                if (!c.name.equals("class")) {
                    continue;
                }
                Type t = new Type(number(c, "id", at), text(c, "name", at), c.attributes.get("superType"));
                for (Element f : c.children) {
                    if (f.name.equals("field")) {
                        String dimension = f.attributes.get("dimension");
                        if (dimension != null && !dimension.equals("1")) {
                            throw new Unsupported("a field of dimension " + dimension);
                        }
                        t.fields.add(new Field(text(f, "name", at), number(f, "class", at), dimension != null,
                                "true".equals(f.attributes.get("constantPool"))));
                    }
                }
                types.put(t.id, t);
            }
        }
        for (Type t : types.values()) {
            for (Field f : t.fields) {
                f.type = types.get(f.typeId);
                if (f.type == null) {
                    throw new Damaged(chunkStart + at, "metadata: field " + t.name + "." + f.name + " of an undeclared type");
                }
            }
            if (t.name.equals("java.lang.String")) {
                stringType = t;
            } else if (t.name.equals("java.lang.Thread")) {
                threadType = t;
            }
        }
        if (threadType != null) {
            threadType.index = indexOf(threadType);
        }
    }

    private Element element(String[] table, int end, int depth) throws Damaged {
        if (depth > MAX_DEPTH) {
            throw new Damaged(chunkStart + position, "metadata nested too deep");
        }
        Element e = new Element(entry(table));
        int attributes = count(end);
        for (int i = 0; i < attributes; i++) {
            e.attributes.put(entry(table), entry(table));
        }
        int children = count(end);
        for (int i = 0; i < children; i++) {
            e.children.add(element(table, end, depth + 1));
        }
        return e;
    }

    private String entry(String[] table) throws Damaged {
        int at = position;
        long i = readLong();
        if (i < 0 || i >= table.length || table[(int) i] == null) {
            throw new Damaged(chunkStart + at, "metadata string index " + i);
        }
        return table[(int) i];
    }

    private String text(Element e, String attribute, int at) throws Damaged {
        String value = e.attributes.get(attribute);
        if (value == null) {
            throw new Damaged(chunkStart + at, "metadata: a " + e.name + " without " + attribute);
        }
        return value;
    }

    private long number(Element e, String attribute, int at) throws Damaged {
        try {
            return Long.parseLong(text(e, attribute, at));
        } catch (NumberFormatException x) {
            throw new Damaged(chunkStart + at, "metadata: " + e.name + " " + attribute + " is not a number");
        }
    }

    private static Map<String, Integer> indexOf(Type t) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < t.fields.size(); i++) {
            index.putIfAbsent(t.fields.get(i).name, i);
        }
        return index;
    }

    // ---- constant pools

    private void readCheckpoint(int end) throws Damaged {
        readLong(); // start time
        readLong(); // duration
        readLong(); // delta to the previous checkpoint
        position++; // checkpoint kind
        int pools = count(end);
        for (int p = 0; p < pools; p++) {
            int at = position;
            long typeId = readLong();
            Type type = types.get(typeId);
            if (type == null) {
                throw new Damaged(chunkStart + at, "constant pool of undeclared type " + typeId);
            }
            int count = count(end);
            for (int i = 0; i < count; i++) {
                long key = readLong();
                if (type == stringType) {
                    strings.put(key, stringOrReference(end));
                } else if (type == threadType) {
                    threads.put(key, threadName(end));
                } else {
                    skipValue(type, end, 0);
                }
            }
        }
        if (position > end) {
            throw new Damaged(chunkStart + end, "a checkpoint's content runs past its size");
        }
    }

    private Object threadName(int end) throws Damaged {
        Object name = null;
        Integer javaName = threadType.index.get("javaName");
        for (int i = 0; i < threadType.fields.size(); i++) {
            Field f = threadType.fields.get(i);
            if (javaName != null && i == javaName && f.type.kind == K_STRING && !f.array && !f.constantPool) {
                name = stringOrReference(end);
            } else {
                skipField(f, end, 1);
            }
        }
        return name;
    }

    /** A string, or a Long key into the string pool (resolved when the events are read). */
    private Object stringOrReference(int end) throws Damaged {
        int at = position;
        byte encoding = buffer.get(position++);
        if (encoding == 2) {
            return readLong();
        }
        position = at;
        return readString(end);
    }

    private String resolve(Object value) {
        for (int hops = 0; hops < 4 && value instanceof Long; hops++) {
            value = strings.get(value);
        }
        return value instanceof String ? (String) value : null;
    }

    // ---- values

    private void skipField(Field f, int end, int depth) throws Damaged {
        if (f.array) {
            int n = count(end);
            for (int i = 0; i < n; i++) {
                skipOne(f, end, depth);
            }
        } else {
            skipOne(f, end, depth);
        }
    }

    private void skipOne(Field f, int end, int depth) throws Damaged {
        if (f.constantPool) {
            readLong();
        } else {
            skipValue(f.type, end, depth);
        }
    }

    /**
     * Skips one value of {@code t}: by its flattened program where it has one (every type of a real
     * recording), else field by field. The program is one loop instead of a recursion through three
     * methods per nested value, which made the recursive version a 40 KB compilation on JDK 17 that
     * a short run paid for without getting its worth back.
     */
    private void skipValue(Type t, int end, int depth) throws Damaged {
        int[] program = SkipProgram.of(t);
        if (program == null) {
            skip(t, end, depth);
            return;
        }
        run(program, 0, program.length, end);
        if (position > end) {
            throw new Damaged(chunkStart + end, "a value of " + t.name + " runs past its event");
        }
    }

    private void run(int[] program, int from, int to, int end) throws Damaged {
        for (int pc = from; pc < to; ) {
            switch (program[pc++]) {
                case SkipProgram.BYTE:
                    position++;
                    break;
                case SkipProgram.VARINT:
                    readLong();
                    break;
                case SkipProgram.FIXED4:
                    position += 4;
                    break;
                case SkipProgram.FIXED8:
                    position += 8;
                    break;
                case SkipProgram.STRING:
                    skipString(end);
                    break;
                default: { // ARRAY, the element's program length, the element's program
                    int length = program[pc++];
                    int n = count(end);
                    for (int i = 0; i < n && position <= end; i++) {
                        run(program, pc, pc + length, end);
                    }
                    pc += length;
                    break;
                }
            }
        }
    }

    /**
     * A type's values as a flat list of reads: a varint, a byte, 4 or 8 bytes, a string, or an
     * array (its count read, then the element's reads that many times). Structures are inlined
     * into their parent's list, which is why a type nested deeper than {@link #MAX_NESTING} or
     * flattening to more than {@link #MAX_LENGTH} ints has none and is skipped field by field.
     */
    private static final class SkipProgram {
        static final int BYTE = 0, VARINT = 1, FIXED4 = 2, FIXED8 = 3, STRING = 4, ARRAY = 5;
        /** Far below {@code MAX_DEPTH}, so a type with a program can never be "nested too deep". */
        static final int MAX_NESTING = 8;
        static final int MAX_LENGTH = 1024;

        private int[] ops = new int[16];
        private int size;

        static int[] of(Type t) {
            if (t.skipProgram == null && !t.noSkipProgram) {
                SkipProgram p = new SkipProgram();
                if (p.add(t, 0)) {
                    t.skipProgram = Arrays.copyOf(p.ops, p.size);
                } else {
                    t.noSkipProgram = true;
                }
            }
            return t.skipProgram;
        }

        private boolean add(Type t, int nesting) {
            switch (t.kind) {
                case K_BOOLEAN:
                case K_BYTE:
                    return emit(BYTE);
                case K_INTEGRAL:
                    return emit(VARINT);
                case K_FLOAT:
                    return emit(FIXED4);
                case K_DOUBLE:
                    return emit(FIXED8);
                case K_STRING:
                    return emit(STRING);
                default:
                    if (nesting >= MAX_NESTING) {
                        return false;
                    }
                    for (Field f : t.fields) {
                        int lengthAt = -1;
                        if (f.array) {
                            if (!emit(ARRAY) || !emit(0)) {
                                return false;
                            }
                            lengthAt = size - 1;
                        }
                        if (!(f.constantPool ? emit(VARINT) : add(f.type, nesting + 1))) {
                            return false;
                        }
                        if (lengthAt >= 0) {
                            ops[lengthAt] = size - lengthAt - 1;
                        }
                    }
                    return true;
            }
        }

        private boolean emit(int op) {
            if (size == MAX_LENGTH) {
                return false;
            }
            if (size == ops.length) {
                ops = Arrays.copyOf(ops, size * 2);
            }
            ops[size++] = op;
            return true;
        }
    }

    private void skip(Type t, int end, int depth) throws Damaged {
        switch (t.kind) {
            case K_BOOLEAN:
            case K_BYTE:
                position++;
                break;
            case K_INTEGRAL:
                readLong();
                break;
            case K_FLOAT:
                position += 4;
                break;
            case K_DOUBLE:
                position += 8;
                break;
            case K_STRING:
                skipString(end);
                break;
            default:
                if (depth > MAX_DEPTH) {
                    throw new Damaged(chunkStart + position, "values nested too deep (type " + t.name + ")");
                }
                for (Field f : t.fields) {
                    skipField(f, end, depth + 1);
                }
                break;
        }
        if (position > end) {
            throw new Damaged(chunkStart + end, "a value of " + t.name + " runs past its event");
        }
    }

    private void skipString(int end) throws Damaged {
        int at = position;
        byte encoding = buffer.get(position++);
        switch (encoding) {
            case 0:
            case 1:
                return;
            case 2:
                readLong();
                return;
            case 3:
            case 5: {
                int n = length(end); // not "position += length(end)": that adds to the position before the length was read
                position += n;
                return;
            }
            case 4: {
                int n = length(end);
                for (int i = 0; i < n; i++) {
                    readLong();
                }
                return;
            }
            default:
                throw new Damaged(chunkStart + at, "string encoding " + encoding);
        }
    }

    /** An inline string (encodings 0, 1, 3, 4, 5); a constant pool reference (2) is resolved from the pool. */
    private String readString(int end) throws Damaged {
        int at = position;
        byte encoding = buffer.get(position++);
        switch (encoding) {
            case 0:
                return null;
            case 1:
                return "";
            case 2:
                return resolve(readLong());
            case 3:
            case 5: {
                int n = length(end);
                byte[] bytes = new byte[n];
                buffer.get(position, bytes, 0, n);
                position += n;
                return new String(bytes, encoding == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
            }
            case 4: {
                int n = length(end);
                char[] chars = new char[n];
                for (int i = 0; i < n; i++) {
                    chars[i] = (char) readLong();
                }
                return new String(chars);
            }
            default:
                throw new Damaged(chunkStart + at, "string encoding " + encoding);
        }
    }

    /** A string's length: at most the bytes left before {@code end}, so no allocation exceeds the file. */
    private int length(int end) throws Damaged {
        return bounded(end, "string length ");
    }

    /** A count of following items: each takes at least one byte, so it cannot exceed the bytes left. */
    private int count(int end) throws Damaged {
        return bounded(end, "count ");
    }

    private int bounded(int end, String what) throws Damaged {
        int at = position;
        long n = readLong();
        if (n < 0 || n > end - position) {
            throw new Damaged(chunkStart + at, what + n);
        }
        return (int) n;
    }

    /** JFR's compressed integer: 7 bits a byte, low first, high bit set while more follow; the 9th byte is whole. */
    private long readLong() {
        long value = 0;
        for (int shift = 0; shift < 56; shift += 7) {
            byte b = buffer.get(position++);
            value |= (b & 0x7FL) << shift;
            if (b >= 0) {
                return value;
            }
        }
        return value | (buffer.get(position++) & 0xFFL) << 56;
    }

    // ---- chosen events

    /** The fields of one chosen event type and the values of the event being read. */
    private final class ChosenEvent implements Event {
        private final Type type;
        private final Map<String, Integer> index;
        private final long[] numbers;
        private final String[] texts;
        private final int startTime;
        private final int duration;
        private final int eventThread;
        private Object thread;

        ChosenEvent(Type type) {
            this.type = type;
            this.index = indexOf(type);
            this.numbers = new long[type.fields.size()];
            this.texts = new String[type.fields.size()];
            this.startTime = index.getOrDefault("startTime", -1);
            this.duration = index.getOrDefault("duration", -1);
            this.eventThread = index.getOrDefault("eventThread", -1);
        }

        void parse(int end) throws Damaged {
            thread = null;
            for (int i = 0; i < type.fields.size(); i++) {
                Field f = type.fields.get(i);
                numbers[i] = 0;
                texts[i] = null;
                if (f.array) {
                    skipField(f, end, 1);
                } else if (i == eventThread && f.constantPool) {
                    thread = threads.get(readLong());
                } else if (f.constantPool) {
                    long key = readLong();
                    if (f.type == stringType) {
                        texts[i] = resolve(key);
                    }
                } else {
                    switch (f.type.kind) {
                        case K_BOOLEAN:
                        case K_BYTE:
                            numbers[i] = buffer.get(position++);
                            break;
                        case K_INTEGRAL:
                            numbers[i] = readLong();
                            break;
                        case K_STRING:
                            texts[i] = readString(end);
                            break;
                        default:
                            skipValue(f.type, end, 1);
                            break;
                    }
                }
                if (position > end) {
                    throw new Damaged(chunkStart + end, "a " + type.name + " event runs past its size");
                }
            }
        }

        @Override
        public String typeName() {
            return type.name;
        }

        @Override
        public Set<String> fieldNames() {
            return index.keySet();
        }

        @Override
        public long startNanos() {
            return startTime < 0 ? 0 : startNanos + (long) ((numbers[startTime] - startTicks) / ticksPerNanosecond);
        }

        @Override
        public long durationNanos() {
            return duration < 0 ? 0 : (long) (numbers[duration] / ticksPerNanosecond);
        }

        @Override
        public String string(String field) {
            Integer i = index.get(field);
            return i == null ? null : texts[i];
        }

        @Override
        public long number(String field) {
            Integer i = index.get(field);
            return i == null ? 0 : numbers[i];
        }

        @Override
        public String threadName() {
            return resolve(thread);
        }
    }
}
