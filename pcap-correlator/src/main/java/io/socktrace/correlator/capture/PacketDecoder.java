package io.socktrace.correlator.capture;

import java.nio.ByteBuffer;

/**
 * Decodes link layer, IP and TCP headers of the packet a {@link PacketCursor} points at, in place.
 * Lengths come from the IP headers, not from the captured bytes, so captures with a small snap
 * length still give exact payload sizes. Only the captured bytes are ever read.
 */
final class PacketDecoder {
    static final int LINKTYPE_NULL = 0;
    static final int LINKTYPE_ETHERNET = 1;
    static final int LINKTYPE_RAW_12 = 12;
    static final int LINKTYPE_RAW_14 = 14;
    static final int LINKTYPE_RAW = 101;
    static final int LINKTYPE_LINUX_SLL = 113;
    static final int LINKTYPE_IPV4 = 228;
    static final int LINKTYPE_IPV6 = 229;
    static final int LINKTYPE_LINUX_SLL2 = 276;

    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int ETHERTYPE_IPV6 = 0x86DD;
    private static final int ETHERTYPE_VLAN = 0x8100;
    private static final int ETHERTYPE_QINQ = 0x88A8;

    private PacketDecoder() {
    }

    static boolean isSupported(int linkType) {
        switch (linkType) {
            case LINKTYPE_NULL: case LINKTYPE_ETHERNET: case LINKTYPE_RAW_12: case LINKTYPE_RAW_14: case LINKTYPE_RAW:
            case LINKTYPE_LINUX_SLL: case LINKTYPE_IPV4: case LINKTYPE_IPV6: case LINKTYPE_LINUX_SLL2:
                return true;
            default:
                return false;
        }
    }

    static void decode(PacketCursor c) {
        PacketKind kind = headers(c);
        // one reference store per packet, and none when the kind did not change: a cursor lives long
        // (old generation), and every reference store into it costs a GC write barrier
        if (c.kind != kind) {
            c.kind = kind;
        }
    }

    private static PacketKind headers(PacketCursor c) {
        c.ipVersion = 0;
        c.srcHi = c.srcLo = c.dstHi = c.dstLo = 0;
        c.srcPort = c.dstPort = 0;
        c.tcpFlags = 0;
        c.payloadLength = 0;
        ByteBuffer b = c.buffer;
        int start = c.dataOffset;
        int end = start + c.capturedLength;
        int network;
        int version; // 4, 6, 0 = not IP, -1 = look at the IP version nibble
        switch (c.linkType) {
            case LINKTYPE_ETHERNET: {
                if (c.capturedLength < 14) {
                    return PacketKind.UNDECODABLE;
                }
                int etherType = b.getShort(start + 12) & 0xFFFF;
                network = start + 14;
                if (etherType == ETHERTYPE_VLAN || etherType == ETHERTYPE_QINQ) {
                    if (c.capturedLength < 18) {
                        return PacketKind.UNDECODABLE;
                    }
                    etherType = b.getShort(start + 16) & 0xFFFF;
                    network = start + 18;
                }
                version = ipVersionOfEtherType(etherType);
                break;
            }
            case LINKTYPE_LINUX_SLL:
                if (c.capturedLength < 16) {
                    return PacketKind.UNDECODABLE;
                }
                version = ipVersionOfEtherType(b.getShort(start + 14) & 0xFFFF);
                network = start + 16;
                break;
            case LINKTYPE_LINUX_SLL2:
                if (c.capturedLength < 20) {
                    return PacketKind.UNDECODABLE;
                }
                version = ipVersionOfEtherType(b.getShort(start) & 0xFFFF);
                network = start + 20;
                break;
            case LINKTYPE_NULL: {
                if (c.capturedLength < 4) {
                    return PacketKind.UNDECODABLE;
                }
                // The address family is in the capturing host's byte order, which the file does not record.
                int family = b.getInt(start);
                if ((family & 0xFFFF0000) == 0) {
                    family = family & 0xFFFF; // big-endian host
                } else {
                    family = Integer.reverseBytes(family) & 0xFFFF;
                }
                version = family == 2 ? 4 : (family == 24 || family == 28 || family == 30) ? 6 : 0;
                network = start + 4;
                break;
            }
            case LINKTYPE_IPV4:
                version = 4;
                network = start;
                break;
            case LINKTYPE_IPV6:
                version = 6;
                network = start;
                break;
            default: // raw IP
                version = -1;
                network = start;
                break;
        }
        if (version == 0) {
            return PacketKind.NOT_TCP;
        }
        if (network >= end) {
            return PacketKind.UNDECODABLE;
        }
        int nibble = (b.get(network) & 0xF0) >>> 4;
        if (version == -1) {
            version = nibble;
            if (version != 4 && version != 6) {
                return PacketKind.NOT_TCP;
            }
        } else if (nibble != version) {
            return PacketKind.UNDECODABLE;
        }
        c.networkOffset = network;
        c.ipVersion = version;
        int linkHeaderLength = network - start;
        return version == 4 ? decodeIpv4(c, b, network, end, linkHeaderLength) : decodeIpv6(c, b, network, end, linkHeaderLength);
    }

    private static int ipVersionOfEtherType(int etherType) {
        return etherType == ETHERTYPE_IPV4 ? 4 : etherType == ETHERTYPE_IPV6 ? 6 : 0;
    }

    private static PacketKind decodeIpv4(PacketCursor c, ByteBuffer b, int ip, int end, int linkHeaderLength) {
        if (end - ip < 20) {
            return PacketKind.UNDECODABLE;
        }
        int headerLength = (b.get(ip) & 0x0F) * 4;
        if (headerLength < 20) {
            return PacketKind.UNDECODABLE;
        }
        int totalLength = b.getShort(ip + 2) & 0xFFFF;
        int fragment = b.getShort(ip + 6) & 0x1FFF;
        int protocol = b.get(ip + 9) & 0xFF;
        c.srcHi = 0;
        c.srcLo = 0xFFFF_0000_0000L | (b.getInt(ip + 12) & 0xFFFF_FFFFL);
        c.dstHi = 0;
        c.dstLo = 0xFFFF_0000_0000L | (b.getInt(ip + 16) & 0xFFFF_FFFFL);
        if (fragment != 0) {
            return PacketKind.FRAGMENT;
        }
        if (protocol != 6) {
            return PacketKind.NOT_TCP;
        }
        // Total length 0 is what segmentation offload looks like in a capture: trust the wire length.
        int ipLength = totalLength != 0 ? totalLength : c.originalLength - linkHeaderLength;
        return decodeTcp(c, b, ip + headerLength, end, ipLength - headerLength);
    }

    private static PacketKind decodeIpv6(PacketCursor c, ByteBuffer b, int ip, int end, int linkHeaderLength) {
        if (end - ip < 40) {
            return PacketKind.UNDECODABLE;
        }
        int payloadLength = b.getShort(ip + 4) & 0xFFFF;
        int next = b.get(ip + 6) & 0xFF;
        c.srcHi = b.getLong(ip + 8);
        c.srcLo = b.getLong(ip + 16);
        c.dstHi = b.getLong(ip + 24);
        c.dstLo = b.getLong(ip + 32);
        int remaining = payloadLength != 0 ? payloadLength : c.originalLength - linkHeaderLength - 40; // 0: jumbogram
        int header = ip + 40;
        for (int i = 0; i < 8; i++) {
            switch (next) {
                case 6:
                    return decodeTcp(c, b, header, end, remaining);
                case 0:  // hop-by-hop options
                case 43: // routing
                case 60: { // destination options
                    if (end - header < 2) {
                        return PacketKind.UNDECODABLE;
                    }
                    int length = ((b.get(header + 1) & 0xFF) + 1) * 8;
                    next = b.get(header) & 0xFF;
                    header += length;
                    remaining -= length;
                    break;
                }
                case 44: // fragment
                    if (end - header < 8) {
                        return PacketKind.UNDECODABLE;
                    }
                    if ((b.getShort(header + 2) & 0xFFF8) != 0) {
                        return PacketKind.FRAGMENT;
                    }
                    next = b.get(header) & 0xFF;
                    header += 8;
                    remaining -= 8;
                    break;
                case 51: { // authentication header
                    if (end - header < 2) {
                        return PacketKind.UNDECODABLE;
                    }
                    int length = ((b.get(header + 1) & 0xFF) + 2) * 4;
                    next = b.get(header) & 0xFF;
                    header += length;
                    remaining -= length;
                    break;
                }
                default:
                    return PacketKind.NOT_TCP;
            }
        }
        return PacketKind.NOT_TCP; // more extension headers than any real stack sends
    }

    private static PacketKind decodeTcp(PacketCursor c, ByteBuffer b, int tcp, int end, int segmentLength) {
        if (end - tcp < 20 || tcp < 0) {
            return PacketKind.UNDECODABLE;
        }
        int headerLength = ((b.get(tcp + 12) & 0xF0) >>> 4) * 4;
        if (headerLength < 20) {
            return PacketKind.UNDECODABLE;
        }
        c.transportOffset = tcp;
        c.srcPort = b.getShort(tcp) & 0xFFFF;
        c.dstPort = b.getShort(tcp + 2) & 0xFFFF;
        c.sequence = b.getInt(tcp + 4);
        c.acknowledgement = b.getInt(tcp + 8);
        c.tcpFlags = b.get(tcp + 13) & 0xFF;
        c.window = b.getShort(tcp + 14) & 0xFFFF;
        c.tcpHeaderLength = headerLength;
        c.payloadLength = Math.max(0, segmentLength - headerLength);
        c.mss = PacketCursor.ABSENT;
        c.windowScale = PacketCursor.ABSENT;
        c.sackPermitted = false;
        c.sackBlocks = 0;
        c.hasTimestamps = false;
        int option = tcp + 20;
        int optionsEnd = Math.min(tcp + headerLength, end);
        while (option < optionsEnd) {
            int kind = b.get(option) & 0xFF;
            if (kind == 0) {
                break;
            }
            if (kind == 1) {
                option++;
                continue;
            }
            if (option + 1 >= optionsEnd) {
                break;
            }
            int length = b.get(option + 1) & 0xFF;
            if (length < 2 || option + length > optionsEnd) {
                break;
            }
            switch (kind) {
                case 2:
                    if (length == 4) {
                        c.mss = b.getShort(option + 2) & 0xFFFF;
                    }
                    break;
                case 3:
                    if (length == 3) {
                        c.windowScale = b.get(option + 2) & 0xFF;
                    }
                    break;
                case 4:
                    c.sackPermitted = true;
                    break;
                case 5:
                    c.sackBlocks = (length - 2) / 8;
                    break;
                case 8:
                    if (length == 10) {
                        c.hasTimestamps = true;
                        c.timestampValue = b.getInt(option + 2) & 0xFFFF_FFFFL;
                        c.timestampEcho = b.getInt(option + 6) & 0xFFFF_FFFFL;
                    }
                    break;
                default:
                    break;
            }
            option += length;
        }
        orderTuple(c);
        return PacketKind.TCP;
    }

    /**
     * Which end of the 4-tuple is the lower one, and the tuple's hash, for the flow table: done here,
     * on the decoding thread, so that the thread tracking flows does not (it is the busier of the two).
     */
    private static void orderTuple(PacketCursor c) {
        int order = Long.compareUnsigned(c.srcHi, c.dstHi);
        if (order == 0) {
            order = Long.compareUnsigned(c.srcLo, c.dstLo);
        }
        if (order == 0) {
            order = Integer.compare(c.srcPort, c.dstPort);
        }
        boolean sourceLower = order <= 0;
        c.sourceIsLower = sourceLower;
        c.tupleHash = sourceLower ? PacketCursor.tupleHash(c.srcHi, c.srcLo, c.srcPort, c.dstHi, c.dstLo, c.dstPort)
                : PacketCursor.tupleHash(c.dstHi, c.dstLo, c.dstPort, c.srcHi, c.srcLo, c.srcPort);
    }
}
