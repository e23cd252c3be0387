package io.socktrace.agent.kernel;

import java.util.Arrays;
import java.util.Objects;

/**
 * Picks named counters out of {@code /proc/net/snmp} and {@code /proc/net/netstat}. Public because
 * the sampler reports namespace-wide TCP trouble (retransmits, resets, accept-queue overflows)
 * next to the per-socket rows, as deltas between periods.
 *
 * <p>Both files are pairs of lines, a header naming the columns and a line of values, each
 * starting with the same prefix ({@code Tcp:}, {@code TcpExt:}, ...). Column positions differ
 * between kernels, so counters are found by name on every read. Keys are written
 * {@code prefix:name}, e.g. {@code "Tcp:RetransSegs"} or {@code "TcpExt:ListenOverflows"}.
 * Reading allocates nothing; not thread-safe.
 */
public final class SnmpCounters {

    private final String[] keys;
    private final byte[][] prefixes;
    private final byte[][] names;
    // Scratch for the keys of the section being read, so a header token is compared only with those.
    private final int[] sectionKeys;
    private int position;

    /**
     * @param keys counters to read, each {@code prefix:name}; {@link #read} fills values in this order
     * @throws IllegalArgumentException if a key is not {@code prefix:name} in printable ASCII
     */
    public SnmpCounters(String... keys) {
        this.keys = keys.clone();
        this.prefixes = new byte[keys.length][];
        this.names = new byte[keys.length][];
        this.sectionKeys = new int[keys.length];
        for (int i = 0; i < keys.length; i++) {
            String key = Objects.requireNonNull(keys[i], "key");
            int colon = key.indexOf(':');
            if (colon <= 0 || colon == key.length() - 1 || key.indexOf(':', colon + 1) >= 0) {
                throw new IllegalArgumentException("counter key '" + key + "' is not prefix:name, e.g. Tcp:RetransSegs");
            }
            prefixes[i] = ascii(key, 0, colon);
            names[i] = ascii(key, colon + 1, key.length());
        }
    }

    private static byte[] ascii(String key, int from, int to) {
        byte[] bytes = new byte[to - from];
        for (int i = from; i < to; i++) {
            char c = key.charAt(i);
            if (c <= ' ' || c > '~') {
                throw new IllegalArgumentException("counter key '" + key + "' has a character other than printable ASCII");
            }
            bytes[i - from] = (byte) c;
        }
        return bytes;
    }

    /** The number of keys, i.e. how many values {@link #read} fills. */
    public int size() {
        return keys.length;
    }

    /** The key at {@code index}, as given to the constructor. */
    public String key(int index) {
        return keys[index];
    }

    /**
     * Fills {@code values[i]} with the counter named by key {@code i}, or -1 where the content has
     * no such counter. A few counters are legitimately -1 (e.g. {@code Tcp:MaxConn}); check the
     * return value or key names if that matters. Values beyond {@code Long.MAX_VALUE} saturate.
     *
     * @return how many keys were found
     */
    public int read(byte[] data, int length, long[] values) {
        Objects.checkFromIndexSize(0, length, data.length);
        if (values.length < keys.length) {
            throw new IllegalArgumentException("values has " + values.length + " slots for " + keys.length + " keys");
        }
        Arrays.fill(values, 0, keys.length, -1L);
        int found = 0;
        int p = 0;
        while (p < length) {
            int headerEnd = lineEnd(data, p, length);
            int valueStart = headerEnd + 1;
            if (valueStart >= length) {
                break; // a header without values: truncated
            }
            int valueEnd = lineEnd(data, valueStart, length);
            int prefixEnd = indexOf(data, p, headerEnd, ':');
            if (prefixEnd < 0 || !samePrefix(data, p, prefixEnd, valueStart, valueEnd)) {
                p = valueStart; // out of step; resynchronise on the next line
                continue;
            }
            int count = keysWithPrefix(data, p, prefixEnd);
            if (count > 0) {
                found += readSection(data, prefixEnd + 1, headerEnd, valueStart + (prefixEnd - p) + 1, valueEnd,
                        count, values);
            }
            p = valueEnd + 1;
        }
        return found;
    }

    private int readSection(byte[] d, int header, int headerEnd, int value, int valueEnd, int count, long[] values) {
        int found = 0;
        while (true) {
            header = skipSpaces(d, header, headerEnd);
            value = skipSpaces(d, value, valueEnd);
            int nameEnd = tokenEnd(d, header, headerEnd);
            int numberEnd = tokenEnd(d, value, valueEnd);
            if (nameEnd == header || numberEnd == value) {
                return found;
            }
            for (int i = 0; i < count; i++) {
                int key = sectionKeys[i];
                if (values[key] == -1L && equals(names[key], d, header, nameEnd)) {
                    long number = decimal(d, value, numberEnd);
                    if (position == numberEnd) {
                        values[key] = number;
                        found++;
                    }
                }
            }
            header = nameEnd;
            value = numberEnd;
        }
    }

    private int keysWithPrefix(byte[] d, int from, int to) {
        int count = 0;
        for (int i = 0; i < keys.length; i++) {
            if (equals(prefixes[i], d, from, to)) {
                sectionKeys[count++] = i;
            }
        }
        return count;
    }

    /** Signed decimal, saturating; sets {@link #position} to where the digits stopped. */
    private long decimal(byte[] d, int from, int to) {
        int p = from;
        boolean negative = p < to && d[p] == '-';
        if (negative) {
            p++;
        }
        int first = p;
        long value = 0;
        boolean overflow = false;
        while (p < to && d[p] >= '0' && d[p] <= '9') {
            int digit = d[p] - '0';
            if (value > (Long.MAX_VALUE - digit) / 10) {
                overflow = true;
            } else {
                value = value * 10 + digit;
            }
            p++;
        }
        position = p == first ? -1 : p;
        if (overflow) {
            return negative ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return negative ? -value : value;
    }

    private static boolean samePrefix(byte[] d, int header, int headerColon, int value, int valueEnd) {
        int length = headerColon - header + 1; // including the colon
        if (valueEnd - value < length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (d[header + i] != d[value + i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean equals(byte[] expected, byte[] d, int from, int to) {
        if (to - from != expected.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if (d[from + i] != expected[i]) {
                return false;
            }
        }
        return true;
    }

    private static int lineEnd(byte[] d, int from, int end) {
        int p = from;
        while (p < end && d[p] != '\n') {
            p++;
        }
        return p;
    }

    private static int indexOf(byte[] d, int from, int to, char c) {
        for (int p = from; p < to; p++) {
            if (d[p] == c) {
                return p;
            }
        }
        return -1;
    }

    private static int skipSpaces(byte[] d, int from, int to) {
        int p = from;
        while (p < to && (d[p] == ' ' || d[p] == '\t')) {
            p++;
        }
        return p;
    }

    private static int tokenEnd(byte[] d, int from, int to) {
        int p = from;
        while (p < to && d[p] != ' ' && d[p] != '\t') {
            p++;
        }
        return p;
    }
}
