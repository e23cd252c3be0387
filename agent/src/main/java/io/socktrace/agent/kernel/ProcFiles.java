package io.socktrace.agent.kernel;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;

/**
 * Reads whole {@code /proc} files into one reusable buffer, so that a sampler reading the same
 * files every period allocates nothing once the buffer has grown to fit. Public because the
 * sampler owns one per thread and hands {@link #buffer()} to the parsers.
 *
 * <p>Only {@code java.io}: {@code /proc} files report a size of 0, so anything that trusts the
 * size reads nothing, and {@code java.nio.file.Files} loads classes on JDK 25 that the agent may
 * want to instrument later. Not thread-safe.
 */
public final class ProcFiles {

    /** Default ceiling: about 400,000 tcp6 rows, far beyond what a sampler should ever walk. */
    public static final int DEFAULT_MAX_LENGTH = 64 << 20;

    // FileInputStream.read copies through a malloc'd native buffer when asked for more than 8 KiB;
    // staying below glibc's 128 KiB mmap threshold keeps that malloc cheap and the kernel's
    // seq_file hands out whole pages per call anyway.
    private static final int CHUNK = 64 << 10;

    private final int maxLength;
    private byte[] buffer;

    /** A reader with a 16 KiB starting buffer and {@link #DEFAULT_MAX_LENGTH} as ceiling. */
    public ProcFiles() {
        this(16 << 10, DEFAULT_MAX_LENGTH);
    }

    /**
     * @param initialCapacity starting buffer size in bytes
     * @param maxLength       the most bytes {@link #read} will hold before it gives up
     */
    public ProcFiles(int initialCapacity, int maxLength) {
        if (initialCapacity < 1 || maxLength < initialCapacity) {
            throw new IllegalArgumentException("initialCapacity " + initialCapacity + ", maxLength " + maxLength);
        }
        this.buffer = new byte[initialCapacity];
        this.maxLength = maxLength;
    }

    /**
     * Reads the file until end of file into {@link #buffer()}.
     *
     * @return the number of bytes read, valid from index 0 of {@link #buffer()} until the next call
     * @throws IOException if the file cannot be read, or is longer than the maximum length
     */
    public int read(String path) throws IOException {
        try (FileInputStream in = new FileInputStream(path)) {
            int length = 0;
            while (true) {
                if (length == buffer.length) {
                    grow(path);
                }
                int n = in.read(buffer, length, Math.min(CHUNK, buffer.length - length));
                if (n < 0) {
                    return length;
                }
                length += n;
            }
        }
    }

    /** The buffer {@link #read} fills; it is replaced when it grows, so fetch it after each read. */
    public byte[] buffer() {
        return buffer;
    }

    private void grow(String path) throws IOException {
        if (buffer.length >= maxLength) {
            throw new IOException(path + " is longer than " + maxLength + " bytes");
        }
        byte[] bigger = new byte[(int) Math.min(maxLength, 2L * buffer.length)];
        System.arraycopy(buffer, 0, bigger, 0, buffer.length);
        buffer = bigger;
    }

    /**
     * The number of entries in a directory, e.g. {@code /proc/self/fd} for the open file
     * descriptors, or -1 when it cannot be listed.
     *
     * <p>For {@code /proc/self/fd} the count includes the descriptor the listing itself holds
     * open while it runs (seen on Linux 6.x with JDK 17), so the process has one fewer of its own.
     * Allocates one string per entry: call it once per sampling period, not per event.
     */
    public static int countEntries(String directory) {
        String[] names = new File(directory).list();
        return names == null ? -1 : names.length;
    }
}
