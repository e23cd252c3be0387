package io.socktrace.correlator.capture;

/**
 * Counters a {@link CaptureReader} keeps while it reads: what it decoded, what it skipped and why.
 * Read them after the last {@link CaptureReader#next(PacketCursor)}.
 */
public final class CaptureStatistics {
    long packets;
    long tcpPackets;
    long notTcpPackets;
    long fragments;
    long undecodablePackets;
    long skippedBlocks;
    long truncatedRecords;
    String truncation;

    /** Packet records read, whatever they contained. */
    public long packets() {
        return packets;
    }

    /** Packets with a complete TCP header. */
    public long tcpPackets() {
        return tcpPackets;
    }

    /** Packets that were not TCP over IP (other IP protocols, ARP, ...). */
    public long notTcpPackets() {
        return notTcpPackets;
    }

    /** Non-first IP fragments, skipped. */
    public long fragments() {
        return fragments;
    }

    /** Packets whose headers were cut short by the snap length or were malformed. */
    public long undecodablePackets() {
        return undecodablePackets;
    }

    /** pcapng blocks of types this reader does not use (statistics, name resolution, custom...). */
    public long skippedBlocks() {
        return skippedBlocks;
    }

    /** Records cut off by the end of the file (a capture that was still being written), skipped. */
    public long truncatedRecords() {
        return truncatedRecords;
    }

    /** A sentence naming file and offset of the truncated tail, or {@code null} if the file ended cleanly. */
    public String truncation() {
        return truncation;
    }
}
