package io.socktrace.correlator.report;

import io.socktrace.correlator.jvm.ChunkHeader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The chunk plumbing of {@link PacketRecording}: copying a recording's complete chunks byte for
 * byte, the time span they cover, and the clock of the first chunk that the appended packet
 * chunks must share (JDK 25 converts every chunk's ticks with it). What goes into the packet
 * chunks is {@link PacketRecording}'s.
 */
final class RecordingChunks {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private RecordingChunks() {
    }

    /** An I/O failure whose message already names the file and what went wrong. */
    static final class Problem extends IOException {
        private static final long serialVersionUID = 1L;

        Problem(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** First chunk's start to the latest chunk end of a recording, epoch ns, from the chunk headers. */
    static long[] span(Path recording) throws IOException {
        try (FileChannel source = FileChannel.open(recording, StandardOpenOption.READ)) {
            long start = Long.MAX_VALUE;
            long end = Long.MIN_VALUE;
            // an unfinished chunk ends the walk: it is not copied either
            for (ChunkHeader header = ChunkHeader.at(source, 0); header != null && header.complete(); header = header.next(source)) {
                start = Math.min(start, header.startNanos());
                end = Math.max(end, header.startNanos() + header.durationNanos());
            }
            if (start == Long.MAX_VALUE) {
                throw new Problem(recording + ": no complete JFR chunk", null);
            }
            return new long[] {start, end};
        }
    }

    /** The first chunk's clock: how its ticks map to epoch nanoseconds. */
    static final class TickBase {
        final long startNanos;
        final long startTicks;
        final long ticksPerSecond;
        int chunks;

        TickBase(long startNanos, long startTicks, long ticksPerSecond) {
            this.startNanos = startNanos;
            this.startTicks = startTicks;
            this.ticksPerSecond = ticksPerSecond;
        }

        /** Ticks of the epoch-nanosecond time {@code nanos}. */
        long ticks(long nanos) {
            long delta = nanos - startNanos;
            return ticksPerSecond == NANOS_PER_SECOND ? startTicks + delta
                    : startTicks + Math.round(delta * (ticksPerSecond / (double) NANOS_PER_SECOND));
        }
    }

    /**
     * Appends the complete chunks of a recording and returns the clock of its first chunk, with
     * the number of chunks copied. A recording whose last chunk is unfinished
     * (still being written: its size field is 0 or runs past the end) loses only that chunk,
     * since a later chunk appended after it could not be found by a reader.
     */
    static TickBase copy(Path recording, FileChannel target) throws IOException {
        try (FileChannel source = FileChannel.open(recording, StandardOpenOption.READ)) {
            TickBase first = null;
            for (ChunkHeader header = ChunkHeader.at(source, 0); header != null; header = header.next(source)) {
                long position = header.position();
                if (!header.hasMagic()) {
                    throw new Problem(recording + ": not a JFR chunk at offset " + position, null);
                }
                long chunkSize = header.size();
                if (!header.complete() || header.ticksPerSecond() <= 0) {
                    break; // unfinished chunk
                }
                if (first == null) {
                    first = new TickBase(header.startNanos(), header.startTicks(), header.ticksPerSecond());
                }
                long copied = 0;
                while (copied < chunkSize) {
                    long n = source.transferTo(position + copied, chunkSize - copied, target);
                    if (n <= 0) {
                        throw new Problem(recording + ": cannot copy the chunk at offset " + position, null);
                    }
                    copied += n;
                }
                first.chunks++;
            }
            if (first == null) {
                throw new Problem(recording + ": no complete JFR chunk", null);
            }
            return first;
        }
    }

    /**
     * Gives a packet chunk written at {@code chunkStart} the first chunk's frequency. The writer
     * always declares 1 tick = 1 ns, the JVM's frequency on Linux; for a recording from a JVM that
     * counted otherwise, the ticks were written in its frequency and the header must say so.
     */
    static void declareFrequency(FileChannel channel, long chunkStart, TickBase base) throws IOException {
        if (base.ticksPerSecond == NANOS_PER_SECOND) {
            return;
        }
        ByteBuffer frequency = ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putLong(0, base.ticksPerSecond);
        while (frequency.hasRemaining()) {
            channel.write(frequency, chunkStart + ChunkHeader.TICKS_PER_SECOND_OFFSET + frequency.position());
        }
    }
}
