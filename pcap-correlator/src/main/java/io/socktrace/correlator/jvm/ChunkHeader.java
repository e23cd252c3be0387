package io.socktrace.correlator.jvm;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/**
 * The fixed 68-byte header that starts every chunk of a JFR file (format 2.x as JDK 17 to 25
 * write it): magic "FLR\0", major and minor version, chunk size, constant pool and metadata
 * positions, start time in epoch nanoseconds, duration, start in ticks, ticks per second, and a
 * flags byte. A file is a sequence of such self-contained chunks, each header giving the size that
 * leads to the next; every reader and writer of recordings in the correlator reads headers here
 * and walks with {@link #next}, each deciding for itself what a bad header means to it.
 */
public final class ChunkHeader {
    /** Bytes in a chunk header. */
    public static final int SIZE = 68;
    /** Offset of ticks per second, for a writer that patches a header it wrote. */
    public static final int TICKS_PER_SECOND_OFFSET = 56;
    private static final int MAGIC = 0x464c5200; // "FLR\0"
    private static final int CHUNK_SIZE_OFFSET = 8;
    private static final int METADATA_OFFSET = 24;
    private static final int START_NANOS_OFFSET = 32;
    private static final int DURATION_OFFSET = 40;
    private static final int START_TICKS_OFFSET = 48;
    private static final int FLAGS_OFFSET = 67;

    private final ByteBuffer bytes;
    private final long position;
    private final long fileSize;

    private ChunkHeader(ByteBuffer bytes, long position, long fileSize) {
        this.bytes = bytes;
        this.position = position;
        this.fileSize = fileSize;
    }

    /**
     * The header of the chunk at {@code position} of the file, or null when fewer than
     * {@link #SIZE} bytes are left there (the end of the file, or stray bytes after the last chunk).
     */
    public static ChunkHeader at(FileChannel channel, long position) throws IOException {
        long fileSize = channel.size();
        if (fileSize - position < SIZE) {
            return null;
        }
        ByteBuffer header = ByteBuffer.allocate(SIZE).order(ByteOrder.BIG_ENDIAN);
        while (header.hasRemaining()) {
            if (channel.read(header, position + header.position()) < 0) {
                return null; // the file shrank under us
            }
        }
        return new ChunkHeader(header, position, fileSize);
    }

    /** The next chunk's header, or null at the end; call only on a {@link #complete} chunk. */
    public ChunkHeader next(FileChannel channel) throws IOException {
        return at(channel, end());
    }

    /** Where this chunk starts in the file. */
    public long position() {
        return position;
    }

    /** Where the next chunk starts (this chunk's position plus its size). */
    public long end() {
        return position + size();
    }

    /** True if the header starts with "FLR\0". */
    public boolean hasMagic() {
        return bytes.getInt(0) == MAGIC;
    }

    /** Major format version (2 for JDK 17 to 25). */
    public int major() {
        return bytes.getShort(4);
    }

    /** Minor format version. */
    public int minor() {
        return bytes.getShort(6);
    }

    /** The chunk's size in bytes, header included; 0 while the JVM is still writing it. */
    public long size() {
        return bytes.getLong(CHUNK_SIZE_OFFSET);
    }

    /**
     * True if the size is plausible and the whole chunk is in the file; false for a chunk still
     * being written (size 0) or cut off (size past the end).
     */
    public boolean complete() {
        long size = size();
        return size >= SIZE && size <= fileSize - position;
    }

    /** Offset of the metadata event from the chunk's start. */
    public long metadataPosition() {
        return bytes.getLong(METADATA_OFFSET);
    }

    /** The chunk's start, epoch nanoseconds. */
    public long startNanos() {
        return bytes.getLong(START_NANOS_OFFSET);
    }

    /** The chunk's duration in nanoseconds. */
    public long durationNanos() {
        return bytes.getLong(DURATION_OFFSET);
    }

    /** The chunk's start in ticks. */
    public long startTicks() {
        return bytes.getLong(START_TICKS_OFFSET);
    }

    /** Ticks per second of the chunk's clock. */
    public long ticksPerSecond() {
        return bytes.getLong(TICKS_PER_SECOND_OFFSET);
    }

    /** The flags byte (bit 2: compressed integers in the ticks). */
    public int flags() {
        return bytes.get(FLAGS_OFFSET);
    }
}
