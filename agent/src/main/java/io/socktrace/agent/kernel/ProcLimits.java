package io.socktrace.agent.kernel;

import java.util.Objects;

/**
 * The open-files limit from {@code /proc/self/limits}. Public because the sampler reports
 * descriptors in use against it: a JVM that runs out of descriptors fails accepts and connects
 * with "Too many open files", and the limit is not otherwise visible from Java.
 */
public final class ProcLimits {

    /** Stands for "unlimited". */
    public static final long UNLIMITED = Long.MAX_VALUE;

    private static final byte[] OPEN_FILES = {
        'M', 'a', 'x', ' ', 'o', 'p', 'e', 'n', ' ', 'f', 'i', 'l', 'e', 's'
    };
    private static final byte[] UNLIMITED_WORD = {'u', 'n', 'l', 'i', 'm', 'i', 't', 'e', 'd'};

    private final long openFilesSoft;
    private final long openFilesHard;

    private ProcLimits(long openFilesSoft, long openFilesHard) {
        this.openFilesSoft = openFilesSoft;
        this.openFilesHard = openFilesHard;
    }

    /**
     * Reads the {@code Max open files} line. A limit that is missing or unreadable is -1, so a
     * format change degrades to "unknown" rather than an exception.
     */
    public static ProcLimits parse(byte[] data, int length) {
        Objects.checkFromIndexSize(0, length, data.length);
        int p = 0;
        while (p < length) {
            int end = p;
            while (end < length && data[end] != '\n') {
                end++;
            }
            if (startsWith(data, p, end, OPEN_FILES)) {
                // Columns are space-padded: "Max open files            1024                 1048576              files"
                int softStart = skipSpaces(data, p + OPEN_FILES.length, end);
                int softEnd = tokenEnd(data, softStart, end);
                int hardStart = skipSpaces(data, softEnd, end);
                int hardEnd = tokenEnd(data, hardStart, end);
                return new ProcLimits(limit(data, softStart, softEnd), limit(data, hardStart, hardEnd));
            }
            p = end + 1;
        }
        return new ProcLimits(-1, -1);
    }

    /** The soft limit on open file descriptors (what {@code ulimit -n} shows); {@link #UNLIMITED}, or -1 if unknown. */
    public long openFilesSoft() {
        return openFilesSoft;
    }

    /** The hard limit the soft one may be raised to; {@link #UNLIMITED}, or -1 if unknown. */
    public long openFilesHard() {
        return openFilesHard;
    }

    @Override
    public String toString() {
        return "open files soft " + format(openFilesSoft) + ", hard " + format(openFilesHard);
    }

    private static String format(long limit) {
        return limit == UNLIMITED ? "unlimited" : Long.toString(limit);
    }

    private static long limit(byte[] d, int from, int to) {
        if (to - from == UNLIMITED_WORD.length && startsWith(d, from, to, UNLIMITED_WORD)) {
            return UNLIMITED;
        }
        if (to == from || to - from > 18) {
            return -1;
        }
        long value = 0;
        for (int p = from; p < to; p++) {
            if (d[p] < '0' || d[p] > '9') {
                return -1;
            }
            value = value * 10 + (d[p] - '0');
        }
        return value;
    }

    private static boolean startsWith(byte[] d, int from, int to, byte[] prefix) {
        if (to - from < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (d[from + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static int skipSpaces(byte[] d, int from, int to) {
        int p = from;
        while (p < to && d[p] == ' ') {
            p++;
        }
        return p;
    }

    private static int tokenEnd(byte[] d, int from, int to) {
        int p = from;
        while (p < to && d[p] != ' ') {
            p++;
        }
        return p;
    }
}
