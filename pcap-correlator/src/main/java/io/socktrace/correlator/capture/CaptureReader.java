package io.socktrace.correlator.capture;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Streams the packets of a classic pcap or a pcapng file from a read-only memory mapping, decoding
 * link layer, IPv4/IPv6 and TCP headers into one reusable {@link PacketCursor}. Nothing is
 * allocated per packet and nothing is ever allocated from a length field of the file, so a hostile
 * file costs at most a {@link CaptureFormatException}. Files larger than 2 GiB are mapped in
 * windows (1 GiB by default); a record never straddles a window because the window is re-mapped
 * at the record that does not fit.
 *
 * <p>Formats: classic pcap with magic {@code a1b2c3d4} (microseconds) or {@code a1b23c4d}
 * (nanoseconds) in either byte order; pcapng with any number of sections (each with its own byte
 * order) and interfaces, {@code if_tsresol} as a power of 10 or of 2 and {@code if_tsoffset};
 * enhanced, simple and obsolete packet blocks; other block types are skipped and counted.
 * Link types: Ethernet (1, one 802.1Q/802.1ad tag), Linux cooked v1 (113) and v2 (276), raw IP
 * (101, 12, 14, 228, 229), BSD loopback (0, address family in either byte order).
 *
 * <p>Lengths: a record or block longer than 256 MiB, a pcapng block length below 12 or not a
 * multiple of 4, mismatched leading and trailing block lengths, or a pcap record longer than both
 * the snap length and 262144 (the limit libpcap itself applies, since some writers put a snap
 * length below the real one) are errors. A record cut off by the end of the file is a
 * capture that was still being written: by default it is counted in
 * {@link CaptureStatistics#truncatedRecords()} and reading ends; in strict mode it is an error.
 */
public final class CaptureReader implements AutoCloseable {
    static final int MAX_RECORD_LENGTH = 256 << 20;
    static final long DEFAULT_WINDOW = 1L << 30;
    private static final int LIBPCAP_MAX_SNAPLEN = 262144;

    private static final int PCAPNG_SECTION_HEADER = 0x0A0D0D0A;
    private static final int PCAPNG_INTERFACE_DESCRIPTION = 1;
    private static final int PCAPNG_OBSOLETE_PACKET = 2;
    private static final int PCAPNG_SIMPLE_PACKET = 3;
    private static final int PCAPNG_ENHANCED_PACKET = 6;
    private static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;

    private static final long[] POWERS_OF_TEN = {
        1L, 10L, 100L, 1_000L, 10_000L, 100_000L, 1_000_000L, 10_000_000L, 100_000_000L, 1_000_000_000L,
        10_000_000_000L, 100_000_000_000L, 1_000_000_000_000L, 10_000_000_000_000L,
        100_000_000_000_000L, 1_000_000_000_000_000L, 10_000_000_000_000_000L, 100_000_000_000_000_000L,
        1_000_000_000_000_000_000L};

    private final String name;
    private final FileChannel channel;
    private final long fileSize;
    private final long windowSize;
    private final boolean strict;
    private final boolean pcapng;
    private final CaptureStatistics statistics = new CaptureStatistics();

    private ByteBuffer window;
    /**
     * The same mapping read little-endian: the file's own fields (record headers, blocks) are in
     * the writer's byte order, little-endian from tcpdump on x86, and reading them through the
     * big-endian view swapped every field twice.
     */
    private ByteBuffer windowLittle;
    private long windowStart;
    private long windowEnd;
    private long position;
    private boolean bigEndian;
    private boolean done;

    // classic pcap
    private boolean nanosecondStamps;
    private int pcapLinkType;
    private long pcapSnapLength;

    // pcapng interfaces of the current section
    private int section = -1;
    private int interfaceCount;
    private int[] interfaceLinkType = new int[4];
    private long[] interfaceSnapLength = new long[4];
    private boolean[] interfaceBinaryResolution = new boolean[4];
    private int[] interfaceResolutionExponent = new int[4];
    private long[] interfaceOffsetSeconds = new long[4];
    private long lastTimestampNanos;

    private CaptureReader(Path path, FileChannel channel, boolean strict, long windowSize)
            throws IOException, CaptureFormatException {
        this.name = path.toString();
        this.channel = channel;
        this.fileSize = channel.size();
        this.strict = strict;
        this.windowSize = windowSize;
        if (fileSize < 4) {
            throw new CaptureFormatException(name, 0, "truncated file header", "needs 24 bytes, " + fileSize + " left");
        }
        ensure(0, 4);
        int magic = window.getInt(0);
        if (magic == PCAPNG_SECTION_HEADER) {
            pcapng = true;
            position = 0;
            if (fileSize < 28) {
                throw new CaptureFormatException(name, 0, "truncated pcapng section header", "needs 28 bytes, " + fileSize + " left");
            }
        } else {
            pcapng = false;
            readPcapHeader(magic);
        }
    }

    /** Opens {@code path} in lenient mode (a truncated last record is counted, not an error). */
    public static CaptureReader open(Path path) throws IOException, CaptureFormatException {
        return open(path, false);
    }

    /**
     * Opens {@code path}; reads and checks the file header.
     *
     * @param strict treat a record cut off by the end of the file as an error
     */
    public static CaptureReader open(Path path, boolean strict) throws IOException, CaptureFormatException {
        return open(path, strict, DEFAULT_WINDOW);
    }

    static CaptureReader open(Path path, boolean strict, long windowSize) throws IOException, CaptureFormatException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        try {
            return new CaptureReader(path, channel, strict, windowSize);
        } catch (IOException | CaptureFormatException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** True for pcapng, false for classic pcap. */
    public boolean isPcapng() {
        return pcapng;
    }

    /** What was read and skipped so far. */
    public CaptureStatistics statistics() {
        return statistics;
    }

    /**
     * Index of the pcapng section the last packet came from (0 for the first, and always for
     * classic pcap). Interface ids restart in every section, so (section, interface id) names an
     * interface; a writer that copies packets needs it.
     */
    public int section() {
        return pcapng ? Math.max(section, 0) : 0;
    }

    /** Interfaces declared so far in the current section (1 for classic pcap). */
    public int interfaceCount() {
        return pcapng ? interfaceCount : 1;
    }

    /** LINKTYPE_ value of interface {@code interfaceId} of the current section ({@code < interfaceCount()}). */
    public int interfaceLinkType(int interfaceId) {
        checkDeclared(interfaceId);
        return pcapng ? interfaceLinkType[interfaceId] : pcapLinkType;
    }

    /** Snap length declared for interface {@code interfaceId} of the current section; 0 means none. */
    public long interfaceSnapLength(int interfaceId) {
        checkDeclared(interfaceId);
        return pcapng ? interfaceSnapLength[interfaceId] : pcapSnapLength;
    }

    private void checkDeclared(int interfaceId) {
        if (interfaceId < 0 || interfaceId >= interfaceCount()) {
            throw new IndexOutOfBoundsException("interface " + interfaceId + " of " + interfaceCount());
        }
    }

    /**
     * Moves {@code cursor} to the next packet.
     *
     * @return false at the end of the capture
     * @throws CaptureFormatException on a structural error; the message names file and offset
     */
    public boolean next(PacketCursor cursor) throws CaptureFormatException {
        while (!done) {
            if (pcapng ? nextBlock(cursor) : nextRecord(cursor)) {
                statistics.packets++;
                PacketDecoder.decode(cursor);
                switch (cursor.kind) {
                    case TCP: statistics.tcpPackets++; break;
                    case NOT_TCP: statistics.notTcpPackets++; break;
                    case FRAGMENT: statistics.fragments++; break;
                    default: statistics.undecodablePackets++; break;
                }
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        window = null;
        windowLittle = null;
        channel.close();
    }

    // ---- classic pcap

    private void readPcapHeader(int magic) throws CaptureFormatException {
        switch (magic) {
            case 0xA1B2C3D4: bigEndian = true; nanosecondStamps = false; break;
            case 0xD4C3B2A1: bigEndian = false; nanosecondStamps = false; break;
            case 0xA1B23C4D: bigEndian = true; nanosecondStamps = true; break;
            case 0x4D3CB2A1: bigEndian = false; nanosecondStamps = true; break;
            default:
                throw new CaptureFormatException(name, 0, "not a pcap or pcapng file: bad magic number",
                        String.format("0x%08x", magic));
        }
        if (fileSize < 24) {
            throw new CaptureFormatException(name, 0, "truncated file header", "needs 24 bytes, " + fileSize + " left");
        }
        ensure(0, 24);
        int major = u16(4);
        if (major != 2) {
            throw new CaptureFormatException(name, 4, "unsupported pcap version", "major version " + major);
        }
        pcapSnapLength = u32(16);
        pcapLinkType = i32(20) & 0xFFFF; // upper bits carry FCS information
        if (!PacketDecoder.isSupported(pcapLinkType)) {
            throw new CaptureFormatException(name, 20, "unsupported link type " + pcapLinkType, null);
        }
        position = 24;
    }

    private boolean nextRecord(PacketCursor cursor) throws CaptureFormatException {
        long offset = position;
        long left = fileSize - offset;
        if (left == 0) {
            done = true;
            return false;
        }
        if (left < 16) {
            truncated(offset, "truncated packet record header", 16, left);
            return false;
        }
        ensure(offset, 16);
        long seconds = u32(offset);
        long fraction = u32(offset + 4);
        long captured = u32(offset + 8);
        long original = u32(offset + 12);
        if (captured > MAX_RECORD_LENGTH) {
            throw new CaptureFormatException(name, offset, "absurd captured length in packet record",
                    captured + " bytes, limit " + MAX_RECORD_LENGTH);
        }
        if (captured > pcapSnapLength && captured > LIBPCAP_MAX_SNAPLEN) {
            throw new CaptureFormatException(name, offset, "packet record longer than the snap length",
                    captured + " bytes, snap length " + pcapSnapLength);
        }
        if (captured > left - 16) {
            truncated(offset, "truncated packet record", 16 + captured, left);
            return false;
        }
        ensure(offset, 16 + (int) captured);
        cursor.recordOffset = offset;
        cursor.timestampNanos = seconds * 1_000_000_000L + (nanosecondStamps ? fraction : fraction * 1_000L);
        cursor.interfaceId = 0;
        cursor.linkType = pcapLinkType;
        cursor.capturedLength = (int) captured;
        cursor.originalLength = (int) Math.min(original, Integer.MAX_VALUE);
        if (cursor.buffer != window) {
            cursor.buffer = window; // no reference store (and GC write barrier) per packet on a long-lived cursor
        }
        cursor.dataOffset = (int) (offset + 16 - windowStart);
        position = offset + 16 + captured;
        return true;
    }

    // ---- pcapng

    private boolean nextBlock(PacketCursor cursor) throws CaptureFormatException {
        long offset = position;
        long left = fileSize - offset;
        if (left == 0) {
            done = true;
            return false;
        }
        if (left < 12) {
            truncated(offset, "truncated block header", 12, left);
            return false;
        }
        ensure(offset, 12);
        boolean sectionHeader = window.getInt(at(offset)) == PCAPNG_SECTION_HEADER;
        if (sectionHeader) {
            int byteOrderMagic = window.getInt(at(offset + 8));
            if (byteOrderMagic == BYTE_ORDER_MAGIC) {
                bigEndian = true;
            } else if (byteOrderMagic == Integer.reverseBytes(BYTE_ORDER_MAGIC)) {
                bigEndian = false;
            } else {
                throw new CaptureFormatException(name, offset + 8, "bad pcapng byte-order magic",
                        String.format("0x%08x", byteOrderMagic));
            }
        }
        int type = i32(offset);
        long length = u32(offset + 4);
        if (length > MAX_RECORD_LENGTH) {
            throw new CaptureFormatException(name, offset, "absurd block length",
                    "block type 0x" + Integer.toHexString(type) + ", " + length + " bytes, limit " + MAX_RECORD_LENGTH);
        }
        if (length < 12 || length % 4 != 0) {
            throw new CaptureFormatException(name, offset, "bad block length",
                    "block type 0x" + Integer.toHexString(type) + ", " + length + " bytes, "
                            + (length < 12 ? "minimum 12" : "not a multiple of 4"));
        }
        if (length > left) {
            truncated(offset, "truncated block", length, left);
            return false;
        }
        ensure(offset, (int) length);
        long trailing = u32(offset + length - 4);
        if (trailing != length) {
            throw new CaptureFormatException(name, offset, "block length mismatch",
                    "leading " + length + ", trailing " + trailing);
        }
        position = offset + length;
        switch (type) {
            case PCAPNG_SECTION_HEADER:
                readSectionHeader(offset, length);
                return false;
            case PCAPNG_INTERFACE_DESCRIPTION:
                readInterface(offset, length);
                return false;
            case PCAPNG_ENHANCED_PACKET:
            case PCAPNG_OBSOLETE_PACKET:
                readPacketBlock(cursor, offset, length, type == PCAPNG_ENHANCED_PACKET);
                return true;
            case PCAPNG_SIMPLE_PACKET:
                readSimplePacket(cursor, offset, length);
                return true;
            default:
                statistics.skippedBlocks++;
                return false;
        }
    }

    private void readSectionHeader(long offset, long length) throws CaptureFormatException {
        requireLength(offset, length, 28, "section header");
        int major = u16(offset + 12);
        if (major != 1) {
            throw new CaptureFormatException(name, offset + 12, "unsupported pcapng version", "major version " + major);
        }
        interfaceCount = 0; // interface ids are per section
        section++;
    }

    private void readInterface(long offset, long length) throws CaptureFormatException {
        requireLength(offset, length, 20, "interface description block");
        int linkType = u16(offset + 8);
        long snapLength = u32(offset + 12);
        boolean binary = false;
        int exponent = 6;
        long offsetSeconds = 0;
        long option = offset + 16;
        long end = offset + length - 4;
        while (option + 4 <= end) {
            int code = u16(option);
            int optionLength = u16(option + 2);
            if (code == 0) {
                break;
            }
            long padded = (optionLength + 3) & ~3L;
            if (option + 4 + padded > end) {
                throw new CaptureFormatException(name, option, "option overruns its block",
                        "option " + code + ", " + optionLength + " bytes");
            }
            if (code == 9 && optionLength >= 1) { // if_tsresol
                int value = window.get(at(option + 4)) & 0xff;
                binary = (value & 0x80) != 0;
                exponent = value & 0x7f;
                if (binary ? exponent > 63 : exponent > 18) {
                    throw new CaptureFormatException(name, option, "unsupported if_tsresol",
                            (binary ? "2^-" : "10^-") + exponent);
                }
            } else if (code == 14 && optionLength == 8) { // if_tsoffset, seconds
                long a = u32(option + 4);
                long b = u32(option + 8);
                offsetSeconds = bigEndian ? (a << 32) | b : (b << 32) | a;
            }
            option += 4 + padded;
        }
        if (!PacketDecoder.isSupported(linkType)) {
            throw new CaptureFormatException(name, offset, "unsupported link type " + linkType,
                    "interface " + interfaceCount);
        }
        if (interfaceCount == interfaceLinkType.length) {
            int grown = interfaceCount * 2;
            interfaceLinkType = Arrays.copyOf(interfaceLinkType, grown);
            interfaceSnapLength = Arrays.copyOf(interfaceSnapLength, grown);
            interfaceBinaryResolution = Arrays.copyOf(interfaceBinaryResolution, grown);
            interfaceResolutionExponent = Arrays.copyOf(interfaceResolutionExponent, grown);
            interfaceOffsetSeconds = Arrays.copyOf(interfaceOffsetSeconds, grown);
        }
        interfaceLinkType[interfaceCount] = linkType;
        interfaceSnapLength[interfaceCount] = snapLength;
        interfaceBinaryResolution[interfaceCount] = binary;
        interfaceResolutionExponent[interfaceCount] = exponent;
        interfaceOffsetSeconds[interfaceCount] = offsetSeconds;
        interfaceCount++;
    }

    private void readPacketBlock(PacketCursor cursor, long offset, long length, boolean enhanced)
            throws CaptureFormatException {
        requireLength(offset, length, 32, enhanced ? "enhanced packet block" : "packet block");
        int interfaceId = enhanced ? i32(offset + 8) : u16(offset + 8);
        checkInterface(offset, interfaceId);
        long stamp = (u32(offset + 12) << 32) | u32(offset + 16);
        long captured = u32(offset + 20);
        long original = u32(offset + 24);
        if (captured > length - 32) {
            throw new CaptureFormatException(name, offset, "captured length exceeds its block",
                    captured + " bytes in a " + length + "-byte block");
        }
        try {
            lastTimestampNanos = toNanos(interfaceId, stamp);
        } catch (ArithmeticException e) {
            // e.g. if_tsresol 0x80 (whole seconds) on a writer that counted nanoseconds
            throw new CaptureFormatException(name, offset, "timestamp out of range",
                    Long.toUnsignedString(stamp) + " units of " + (interfaceBinaryResolution[interfaceId] ? "2^-" : "10^-")
                            + interfaceResolutionExponent[interfaceId] + " s is past the year 2262");
        }
        fill(cursor, offset, offset + 28, interfaceId, captured, original);
    }

    private void readSimplePacket(PacketCursor cursor, long offset, long length) throws CaptureFormatException {
        requireLength(offset, length, 16, "simple packet block");
        checkInterface(offset, 0);
        long original = u32(offset + 8);
        long captured = Math.min(original, length - 16);
        if (interfaceSnapLength[0] > 0) {
            captured = Math.min(captured, interfaceSnapLength[0]);
        }
        // A simple packet block has no time stamp: it inherits the previous packet's.
        fill(cursor, offset, offset + 12, 0, captured, original);
    }

    private void fill(PacketCursor cursor, long offset, long data, int interfaceId, long captured, long original) {
        cursor.recordOffset = offset;
        cursor.timestampNanos = lastTimestampNanos;
        cursor.interfaceId = interfaceId;
        cursor.linkType = interfaceLinkType[interfaceId];
        cursor.capturedLength = (int) captured;
        cursor.originalLength = (int) Math.min(original, Integer.MAX_VALUE);
        if (cursor.buffer != window) {
            cursor.buffer = window;
        }
        cursor.dataOffset = at(data);
    }

    private void checkInterface(long offset, int interfaceId) throws CaptureFormatException {
        if (interfaceId < 0 || interfaceId >= interfaceCount) {
            throw new CaptureFormatException(name, offset, "packet for an undeclared interface",
                    "interface " + Integer.toUnsignedString(interfaceId) + ", " + interfaceCount + " declared in this section");
        }
    }

    private void requireLength(long offset, long length, int minimum, String what) throws CaptureFormatException {
        if (length < minimum) {
            throw new CaptureFormatException(name, offset, "bad block length",
                    what + ", " + length + " bytes, minimum " + minimum);
        }
    }

    private long toNanos(int interfaceId, long stamp) {
        int exponent = interfaceResolutionExponent[interfaceId];
        long nanos;
        if (!interfaceBinaryResolution[interfaceId]) {
            if (exponent <= 9 && stamp < 0) {
                throw new ArithmeticException("unsigned stamp");
            }
            nanos = exponent <= 9 ? Math.multiplyExact(stamp, POWERS_OF_TEN[9 - exponent])
                    : Long.divideUnsigned(stamp, POWERS_OF_TEN[exponent - 9]);
        } else if (exponent == 0) {
            if (stamp < 0) {
                throw new ArithmeticException("unsigned stamp");
            }
            nanos = Math.multiplyExact(stamp, 1_000_000_000L);
        } else {
            long seconds = stamp >>> exponent;
            long fraction = stamp & ((1L << exponent) - 1);
            long fractionNanos = exponent <= 33
                    ? (fraction * 1_000_000_000L) >>> exponent
                    : ((fraction >>> (exponent - 33)) * 1_000_000_000L) >>> 33;
            nanos = Math.addExact(Math.multiplyExact(seconds, 1_000_000_000L), fractionNanos);
        }
        return Math.addExact(nanos, Math.multiplyExact(interfaceOffsetSeconds[interfaceId], 1_000_000_000L));
    }

    // ---- shared

    private void truncated(long offset, String what, long needs, long left) throws CaptureFormatException {
        done = true;
        CaptureFormatException problem = new CaptureFormatException(name, offset, what,
                "needs " + needs + " bytes, " + left + " left");
        if (strict) {
            throw problem;
        }
        statistics.truncatedRecords++;
        statistics.truncation = problem.getMessage();
    }

    /** Makes [offset, offset + length) addressable in {@link #window}; the caller has checked the file size. */
    private void ensure(long offset, int length) throws CaptureFormatException {
        if (offset >= windowStart && offset + length <= windowEnd && window != null) {
            return;
        }
        long size = Math.min(Math.max(windowSize, length), fileSize - offset);
        try {
            window = channel.map(FileChannel.MapMode.READ_ONLY, offset, size).order(ByteOrder.BIG_ENDIAN);
            windowLittle = window.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new CaptureFormatException(name, offset, "cannot map the file", String.valueOf(e.getMessage()));
        }
        windowStart = offset;
        windowEnd = offset + size;
    }

    private int at(long offset) {
        return (int) (offset - windowStart);
    }

    private int i32(long offset) {
        return bigEndian ? window.getInt(at(offset)) : windowLittle.getInt(at(offset));
    }

    private long u32(long offset) {
        return i32(offset) & 0xFFFF_FFFFL;
    }

    private int u16(long offset) {
        return (bigEndian ? window.getShort(at(offset)) : windowLittle.getShort(at(offset))) & 0xFFFF;
    }
}
