package io.socktrace.agent.kernel;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * Parses the content of {@code /proc/net/tcp} and {@code /proc/net/tcp6}. Public because the
 * sampler walks every socket of the network namespace once per period, looking for its own by
 * inode or address and port.
 *
 * <p>With 10,000 connections a table is about 1.8 MB, so the parser makes one pass over the bytes
 * and hands every row to a {@link RowVisitor} in the same reused {@link Row}: parsing allocates
 * nothing. A line that does not parse is skipped and counted ({@link #skippedLines()}), never
 * thrown: a sampler should survive a kernel that changes the format. Not thread-safe; keep one
 * per sampling thread.
 */
public final class TcpTable {

    /** Receives each parsed row; the row is reused for the next one, so copy what you keep. */
    @FunctionalInterface
    public interface RowVisitor {
        void visit(Row row);
    }

    // The kernel prints each 32-bit address word as an integer in host byte order.
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private static final byte[] HEX_VALUE = new byte[256];

    static {
        Arrays.fill(HEX_VALUE, (byte) -1);
        for (int i = 0; i < 10; i++) {
            HEX_VALUE['0' + i] = (byte) i;
        }
        for (int i = 0; i < 6; i++) {
            HEX_VALUE['a' + i] = (byte) (10 + i);
            HEX_VALUE['A' + i] = (byte) (10 + i);
        }
    }

    private static final int ROW = 0;
    private static final int NOT_A_ROW = 1;
    private static final int GARBAGE = 2;

    private static final long BAD_NUMBER = Long.MIN_VALUE;

    private final Row row = new Row();
    // Where parsing stands; a field rather than a return value so the helpers can return numbers.
    private int position;
    private int rows;
    private int skippedLines;

    /**
     * Parses {@code length} bytes of table content and calls the visitor once per socket row.
     * The header line and blank lines are passed over; anything else that does not parse, and a
     * last row without its newline (a cut buffer), is skipped and counted. IPv4 and IPv6 rows are told apart by the width of their addresses, so
     * the same call serves both files.
     *
     * @return the number of rows handed to the visitor
     */
    public int parse(byte[] data, int length, RowVisitor visitor) {
        Objects.checkFromIndexSize(0, length, data.length);
        Objects.requireNonNull(visitor, "visitor");
        rows = 0;
        skippedLines = 0;
        int lineStart = 0;
        while (lineStart < length) {
            position = lineStart;
            int result = parseLine(data, length);
            // No field consumes a newline, so the rest of the line starts at position: one pass.
            int p = position;
            while (p < length && data[p] != '\n') {
                p++;
            }
            // The kernel ends every row with a newline; without one the row may be cut inside a number.
            if (result == ROW && p < length) {
                rows++;
                visitor.visit(row);
            } else if (result != NOT_A_ROW) {
                skippedLines++;
            }
            lineStart = p + 1;
        }
        return rows;
    }

    /** How many rows the last {@link #parse} handed to its visitor. */
    public int rows() {
        return rows;
    }

    /** How many lines the last {@link #parse} could not read (truncated or garbled), header and blank lines not counted. */
    public int skippedLines() {
        return skippedLines;
    }

    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
    private int parseLine(byte[] d, int end) {
        skipSpaces(d, end);
        if (position == end || d[position] == '\n') {
            return NOT_A_ROW;
        }
        if (d[position] == 's' && position + 1 < end && d[position + 1] == 'l') {
            return NOT_A_ROW; // the header
        }
        Row r = row;
        if (decimal(d, end) < 0 || !expect(d, end, ':') || !spaces(d, end)) { // sl, the slot number
            return GARBAGE;
        }
        int localDigits = address(d, end, r.localAddress);
        if (localDigits < 0 || !expect(d, end, ':')) {
            return GARBAGE;
        }
        long localPort = hex(d, end, 4);
        if (localPort == BAD_NUMBER || !spaces(d, end)) {
            return GARBAGE;
        }
        int remoteDigits = address(d, end, r.remoteAddress);
        if (remoteDigits != localDigits || !expect(d, end, ':')) {
            return GARBAGE;
        }
        long remotePort = hex(d, end, 4);
        if (remotePort == BAD_NUMBER || !spaces(d, end)) {
            return GARBAGE;
        }
        long state = hex(d, end, 2);
        if (state == BAD_NUMBER || !spaces(d, end)) {
            return GARBAGE;
        }
        long sendQueue = hex(d, end, 15);
        if (sendQueue == BAD_NUMBER || !expect(d, end, ':')) {
            return GARBAGE;
        }
        long receiveQueue = hex(d, end, 15);
        if (receiveQueue == BAD_NUMBER || !spaces(d, end)) {
            return GARBAGE;
        }
        long timer = hex(d, end, 2);
        if (timer == BAD_NUMBER || !expect(d, end, ':')) {
            return GARBAGE;
        }
        long timerTicks = hex(d, end, 15);
        if (timerTicks == BAD_NUMBER || !spaces(d, end)) {
            return GARBAGE;
        }
        long retransmits = hex(d, end, 8);
        if (retransmits == BAD_NUMBER || !spaces(d, end)) {
            return GARBAGE;
        }
        long uid = decimal(d, end);
        if (uid < 0 || !spaces(d, end)) {
            return GARBAGE;
        }
        long timeout = decimal(d, end);
        if (timeout == BAD_NUMBER || !spaces(d, end)) {
            return GARBAGE;
        }
        long inode = decimal(d, end);
        if (inode < 0 || (position < end && d[position] != ' ' && d[position] != '\n')) {
            return GARBAGE;
        }
        r.localAddressLength = normalise(r.localAddress, localDigits);
        r.localPort = (int) localPort;
        r.remoteAddressLength = normalise(r.remoteAddress, remoteDigits);
        r.remotePort = (int) remotePort;
        r.state = TcpState.fromKernel((int) state);
        r.sendQueue = sendQueue;
        r.receiveQueue = receiveQueue;
        r.timer = (int) timer;
        r.timerTicks = timerTicks;
        r.retransmits = (int) retransmits;
        r.uid = uid;
        r.inode = inode;
        return ROW;
    }

    /** Reads 8 or 32 hex digits into {@code out}, decoding as it validates; returns how many, or -1. */
    private int address(byte[] d, int end, byte[] out) {
        int p = position;
        for (int word = 0; word < 4; word++) {
            if (p + 8 > end) {
                return -1;
            }
            int value = 0;
            for (int last = p + 8; p < last; p++) {
                int digit = HEX_VALUE[d[p] & 0xff];
                if (digit < 0) {
                    return -1;
                }
                value = (value << 4) | digit;
            }
            int o = word * 4;
            if (LITTLE_ENDIAN) {
                out[o] = (byte) value;
                out[o + 1] = (byte) (value >>> 8);
                out[o + 2] = (byte) (value >>> 16);
                out[o + 3] = (byte) (value >>> 24);
            } else {
                out[o] = (byte) (value >>> 24);
                out[o + 1] = (byte) (value >>> 16);
                out[o + 2] = (byte) (value >>> 8);
                out[o + 3] = (byte) value;
            }
            // An IPv4 address is one word; the colon before the port says where the address ends.
            if (word == 0 && p < end && d[p] == ':') {
                position = p;
                return 8;
            }
        }
        position = p;
        return 32;
    }

    /**
     * Dual-stack Java sockets list IPv4 peers as {@code ::ffff:a.b.c.d}; folding those to four bytes
     * lets one comparison match a connection whichever file it came from.
     */
    private static int normalise(byte[] address, int digits) {
        if (digits == 8) {
            return 4;
        }
        if (isIpv4Mapped(address, 0)) {
            address[0] = address[12];
            address[1] = address[13];
            address[2] = address[14];
            address[3] = address[15];
            return 4;
        }
        return 16;
    }

    static boolean isIpv4Mapped(byte[] address, int offset) {
        for (int i = offset; i < offset + 10; i++) {
            if (address[i] != 0) {
                return false;
            }
        }
        return address[offset + 10] == (byte) 0xff && address[offset + 11] == (byte) 0xff;
    }

    /** Hex digits up to the first non-digit; {@link #BAD_NUMBER} if none or more than maxDigits. */
    private long hex(byte[] d, int end, int maxDigits) {
        int p = position;
        int last = Math.min(end, p + maxDigits + 1);
        long value = 0;
        int digit;
        while (p < last && (digit = HEX_VALUE[d[p] & 0xff]) >= 0) {
            value = (value << 4) | digit;
            p++;
        }
        int digits = p - position;
        if (digits == 0 || digits > maxDigits) {
            return BAD_NUMBER;
        }
        position = p;
        return value;
    }

    /** An optionally signed decimal up to 18 digits; {@link #BAD_NUMBER} if malformed. */
    private long decimal(byte[] d, int end) {
        int p = position;
        boolean negative = p < end && d[p] == '-';
        if (negative) {
            p++;
        }
        int first = p;
        int last = Math.min(end, first + 19);
        long value = 0;
        while (p < last && d[p] >= '0' && d[p] <= '9') {
            value = value * 10 + (d[p] - '0');
            p++;
        }
        int digits = p - first;
        if (digits == 0 || digits > 18) {
            return BAD_NUMBER;
        }
        position = p;
        return negative ? -value : value;
    }

    private boolean expect(byte[] d, int end, char c) {
        if (position < end && d[position] == c) {
            position++;
            return true;
        }
        return false;
    }

    /** Columns are separated by at least one space; a newline ends the line instead. */
    private boolean spaces(byte[] d, int end) {
        int start = position;
        skipSpaces(d, end);
        return position > start;
    }

    private void skipSpaces(byte[] d, int end) {
        int p = position;
        while (p < end && d[p] == ' ') {
            p++;
        }
        position = p;
    }

    /**
     * One socket of the table. Mutable and reused by the parser for every row; {@link #copy()}
     * keeps one. Addresses are raw bytes so that matching needs no {@code InetAddress}; an
     * IPv4-mapped IPv6 address is already folded to its four IPv4 bytes.
     */
    public static final class Row {
        final byte[] localAddress = new byte[16];
        int localAddressLength;
        int localPort;
        final byte[] remoteAddress = new byte[16];
        int remoteAddressLength;
        int remotePort;
        TcpState state = TcpState.UNKNOWN;
        long sendQueue;
        long receiveQueue;
        int timer;
        long timerTicks;
        int retransmits;
        long uid;
        long inode;

        Row() {
        }

        /** The backing array, not a copy: the first {@link #localAddressLength()} bytes are the address, in network order. */
        public byte[] localAddress() {
            return localAddress;
        }

        /** 4 for IPv4 (including IPv4-mapped IPv6), 16 for IPv6. */
        public int localAddressLength() {
            return localAddressLength;
        }

        public int localPort() {
            return localPort;
        }

        /** The backing array, not a copy: the first {@link #remoteAddressLength()} bytes are the address, in network order. */
        public byte[] remoteAddress() {
            return remoteAddress;
        }

        /** 4 for IPv4 (including IPv4-mapped IPv6), 16 for IPv6; all zero bytes for a listener. */
        public int remoteAddressLength() {
            return remoteAddressLength;
        }

        /** 0 for a listener. */
        public int remotePort() {
            return remotePort;
        }

        public TcpState state() {
            return state;
        }

        /** Bytes sent but not yet acknowledged by the peer ({@code tx_queue}, ss's Send-Q). */
        public long sendQueue() {
            return sendQueue;
        }

        /**
         * Bytes received that the application has not read ({@code rx_queue}, ss's Recv-Q); for a
         * LISTEN row, the connections waiting in the accept queue. A received FIN counts as one.
         */
        public long receiveQueue() {
            return receiveQueue;
        }

        /** The raw {@code tr} column; see {@link #timerKind()}. */
        public int timer() {
            return timer;
        }

        public TimerKind timerKind() {
            return TimerKind.fromKernel(timer);
        }

        /**
         * Time until the pending timer fires ({@code tm->when}), in clock ticks (USER_HZ, 100 per
         * second on Linux), not jiffies: the kernel converts with {@code jiffies_to_clock_t}.
         * A fresh keepalive timer shows about 720,000, a fresh TIME_WAIT about 6,000.
         */
        public long timerTicks() {
            return timerTicks;
        }

        /** {@link #timerTicks()} in milliseconds, assuming USER_HZ = 100 as on every Linux architecture Java runs on. */
        public long timerMillis() {
            return timerTicks * 10;
        }

        /**
         * The {@code retrnsmt} column: retransmission timeouts since the last acknowledged progress
         * (unrecovered RTOs), not the connection's total retransmits; back to 0 once data is acked.
         */
        public int retransmits() {
            return retransmits;
        }

        public long uid() {
            return uid;
        }

        /**
         * The socket's inode, as in the {@code socket:[inode]} link of {@code /proc/self/fd}; 0 for a
         * socket no process has a descriptor for (not yet accepted, or in TIME_WAIT).
         */
        public long inode() {
            return inode;
        }

        /**
         * Whether the local end is {@code address} (4 or 16 bytes, IPv4-mapped accepted) and {@code port}.
         */
        public boolean localMatches(byte[] address, int port) {
            return port == localPort && sameAddress(localAddress, localAddressLength, address);
        }

        /**
         * Whether the remote end is {@code address} (4 or 16 bytes, IPv4-mapped accepted) and {@code port}.
         */
        public boolean remoteMatches(byte[] address, int port) {
            return port == remotePort && sameAddress(remoteAddress, remoteAddressLength, address);
        }

        /** Allocates; call only for rows you report. Never resolves a name. */
        public InetAddress localInetAddress() {
            return toInetAddress(localAddress, localAddressLength);
        }

        /** Allocates; call only for rows you report. Never resolves a name. */
        public InetAddress remoteInetAddress() {
            return toInetAddress(remoteAddress, remoteAddressLength);
        }

        /** A detached copy, for a row the caller keeps beyond the visit. */
        public Row copy() {
            Row c = new Row();
            System.arraycopy(localAddress, 0, c.localAddress, 0, 16);
            c.localAddressLength = localAddressLength;
            c.localPort = localPort;
            System.arraycopy(remoteAddress, 0, c.remoteAddress, 0, 16);
            c.remoteAddressLength = remoteAddressLength;
            c.remotePort = remotePort;
            c.state = state;
            c.sendQueue = sendQueue;
            c.receiveQueue = receiveQueue;
            c.timer = timer;
            c.timerTicks = timerTicks;
            c.retransmits = retransmits;
            c.uid = uid;
            c.inode = inode;
            return c;
        }

        @Override
        public String toString() {
            return endpoint(localInetAddress(), localPort) + " -> " + endpoint(remoteInetAddress(), remotePort)
                    + ' ' + state + " sendQueue=" + sendQueue + " receiveQueue=" + receiveQueue
                    + " timer=" + timerKind().label() + '/' + timerTicks + " retransmits=" + retransmits
                    + " inode=" + inode;
        }

        private static String endpoint(InetAddress address, int port) {
            String host = address.getHostAddress();
            return (host.indexOf(':') >= 0 ? '[' + host + ']' : host) + ':' + port;
        }

        private static boolean sameAddress(byte[] rowAddress, int rowLength, byte[] address) {
            int offset = 0;
            int length = address.length;
            if (length == 16 && isIpv4Mapped(address, 0)) {
                offset = 12;
                length = 4;
            }
            if (length != rowLength) {
                return false;
            }
            for (int i = 0; i < length; i++) {
                if (rowAddress[i] != address[offset + i]) {
                    return false;
                }
            }
            return true;
        }

        private static InetAddress toInetAddress(byte[] address, int length) {
            try {
                return InetAddress.getByAddress(Arrays.copyOf(address, length));
            } catch (UnknownHostException e) {
                throw new IllegalStateException("address of " + length + " bytes", e); // only 4 or 16 are ever stored
            }
        }
    }
}
