package io.socktrace.correlator.capture;

import java.nio.ByteBuffer;

/**
 * The current packet of a {@link CaptureReader}: one reusable, mutable object that the reader
 * overwrites on every {@link CaptureReader#next(PacketCursor)}, so reading allocates nothing per
 * packet. Packet bytes are not copied: {@link #buffer()} is a read-only, big-endian view of the
 * memory-mapped file and the offsets point into it. Values are valid only until the next call.
 *
 * <p>Addresses are held as two longs (128 bits, network order); IPv4 addresses are stored
 * IPv4-mapped ({@code ::ffff:a.b.c.d}), so IPv4, and IPv6 packets that carry IPv4-mapped
 * addresses, compare equal and are printed in dotted form by {@link Addresses#format}.
 */
public final class PacketCursor {
    /** Value of {@link #mss()} and {@link #windowScale()} when the option is absent. */
    public static final int ABSENT = -1;

    // record layer
    long recordOffset;
    long timestampNanos;
    int interfaceId;
    int linkType;
    int capturedLength;
    int originalLength;
    ByteBuffer buffer;
    int dataOffset;

    // network layer
    PacketKind kind;
    int ipVersion;
    int networkOffset;
    long srcHi;
    long srcLo;
    long dstHi;
    long dstLo;

    // transport layer
    int transportOffset;
    int srcPort;
    int dstPort;
    int sequence;
    int acknowledgement;
    int tcpFlags;
    int window;
    int tcpHeaderLength;
    int payloadLength;
    int mss;
    int windowScale;
    boolean sackPermitted;
    int sackBlocks;
    boolean hasTimestamps;
    long timestampValue;
    long timestampEcho;

    // flow table (TCP packets only)
    boolean sourceIsLower;
    int tupleHash;

    /** TCP flag bits as in the header's low byte. */
    public static final int FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10, URG = 0x20;

    /**
     * Decodes one packet that did not come from a file (a live capture): {@code data} holds the
     * link-layer frame from its position to its limit, captured in full.
     */
    public void decode(int linkType, ByteBuffer data, long timestampNanos) {
        this.recordOffset = -1;
        this.timestampNanos = timestampNanos;
        this.interfaceId = 0;
        this.linkType = linkType;
        this.buffer = data;
        this.dataOffset = data.position();
        this.capturedLength = data.remaining();
        this.originalLength = data.remaining();
        PacketDecoder.decode(this);
    }

    /** Byte offset of this packet's record (pcap record header or pcapng block) in the file. */
    public long recordOffset() {
        return recordOffset;
    }

    /** Capture time, nanoseconds since the epoch (UTC). */
    public long timestampNanos() {
        return timestampNanos;
    }

    /** pcapng interface index within its section; 0 for classic pcap. */
    public int interfaceId() {
        return interfaceId;
    }

    /** The LINKTYPE_ value of the interface the packet was captured on. */
    public int linkType() {
        return linkType;
    }

    /** Bytes present in the file for this packet (at most the snap length). */
    public int capturedLength() {
        return capturedLength;
    }

    /** Length of the packet on the wire. */
    public int originalLength() {
        return originalLength;
    }

    /** Read-only big-endian view of the mapped file; packet bytes start at {@link #dataOffset()}. */
    public ByteBuffer buffer() {
        return buffer;
    }

    /** Index in {@link #buffer()} of the first link-layer byte. */
    public int dataOffset() {
        return dataOffset;
    }

    /** What the decoder found. */
    public PacketKind kind() {
        return kind;
    }

    /** 4 or 6, or 0 when not IP. */
    public int ipVersion() {
        return ipVersion;
    }

    /** Index in {@link #buffer()} of the IP header. */
    public int networkOffset() {
        return networkOffset;
    }

    /** Upper 64 bits of the source address (0 for IPv4). */
    public long sourceHigh() {
        return srcHi;
    }

    /** Lower 64 bits of the source address ({@code 0xffff_xxxxxxxx} for IPv4). */
    public long sourceLow() {
        return srcLo;
    }

    /** Upper 64 bits of the destination address. */
    public long destinationHigh() {
        return dstHi;
    }

    /** Lower 64 bits of the destination address. */
    public long destinationLow() {
        return dstLo;
    }

    /** Index in {@link #buffer()} of the TCP header. */
    public int transportOffset() {
        return transportOffset;
    }

    /** TCP source port. */
    public int sourcePort() {
        return srcPort;
    }

    /** TCP destination port. */
    public int destinationPort() {
        return dstPort;
    }

    /** Raw 32-bit sequence number (compare with wrap-around arithmetic). */
    public int sequence() {
        return sequence;
    }

    /** Raw 32-bit acknowledgement number. */
    public int acknowledgement() {
        return acknowledgement;
    }

    /** TCP flags (see {@link #SYN}, {@link #ACK}, ...). */
    public int tcpFlags() {
        return tcpFlags;
    }

    /** True if all bits of {@code flags} are set. */
    public boolean has(int flags) {
        return (tcpFlags & flags) == flags;
    }

    /** Advertised receive window as in the header, not scaled. */
    public int window() {
        return window;
    }

    /** TCP header length including options, bytes. */
    public int tcpHeaderLength() {
        return tcpHeaderLength;
    }

    /** TCP payload bytes on the wire, from the IP length fields (not from the captured bytes). */
    public int payloadLength() {
        return payloadLength;
    }

    /** MSS option value, or {@link #ABSENT}. */
    public int mss() {
        return mss;
    }

    /** Window scale shift count, or {@link #ABSENT}. */
    public int windowScale() {
        return windowScale;
    }

    /** SACK-permitted option present. */
    public boolean sackPermitted() {
        return sackPermitted;
    }

    /** Number of SACK blocks in this segment. */
    public int sackBlocks() {
        return sackBlocks;
    }

    /** Timestamps option present. */
    public boolean hasTimestamps() {
        return hasTimestamps;
    }

    /** TSval (unsigned 32 bits), meaningful if {@link #hasTimestamps()}. */
    public long timestampValue() {
        return timestampValue;
    }

    /**
     * True if the source end (address, then port, unsigned) is the lower end of the 4-tuple, or the
     * two are equal: the order in which a flow table keys the tuple, whichever way the packet runs.
     * Meaningful for {@link PacketKind#TCP}.
     */
    public boolean sourceIsLower() {
        return sourceIsLower;
    }

    /**
     * {@link #tupleHash(long, long, int, long, long, int)} of this packet's tuple, lower end first.
     * Meaningful for {@link PacketKind#TCP}.
     */
    public int tupleHash() {
        return tupleHash;
    }

    /**
     * The hash of a 4-tuple given lower end first: every bit of it mixed into the low bits (loopback
     * tuples differ only in a port). One function for the decoder, which computes it per packet,
     * and the flow table, which rehashes with it when it grows.
     */
    public static int tupleHash(long aHigh, long aLow, int aPort, long bHigh, long bLow, int bPort) {
        long h = aLow * 0x9E3779B97F4A7C15L ^ bLow * 0xC2B2AE3D27D4EB4FL ^ (aHigh + 31 * bHigh) * 0x165667B19E3779F9L
                ^ (aPort << 16 | bPort) * 0xD6E8FEB86659FD93L;
        h ^= h >>> 31;
        h *= 0xBF58476D1CE4E5B9L;
        return (int) (h ^ (h >>> 29));
    }

    /** TSecr (unsigned 32 bits), meaningful if {@link #hasTimestamps()}. */
    public long timestampEcho() {
        return timestampEcho;
    }
}
