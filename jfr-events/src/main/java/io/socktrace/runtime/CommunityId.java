package io.socktrace.runtime;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Computes the <a href="https://github.com/corelight/community-id-spec">Community ID</a>
 * flow hash, version 1.
 *
 * <p>Why this exists: the Community ID is the join key between the socket events this
 * project records inside the JVM and what network monitors see on the wire. Zeek, Suricata,
 * Wireshark (and Arkime, Elastic, osquery, ...) all compute the same string for the same
 * flow, so a JFR socket event carrying {@code communityId} can be matched to a packet
 * capture, a Zeek {@code conn.log} line or a Suricata EVE record with a plain string
 * comparison, without having to reason about flow direction, address formatting or
 * port ordering.
 *
 * <p>The algorithm (spec README, "Pseudo code" and "Technical details"):
 * <pre>
 *   sha1( seed(2 bytes, network order)
 *       . saddr(4 or 16 bytes) . daddr(4 or 16 bytes)
 *       . proto(1 byte) . 0x00(padding)
 *       . sport(2 bytes, network order) . dport(2 bytes, network order) )
 *   result = "1:" + base64(sha1)
 * </pre>
 * where the endpoints are first ordered so that the numerically smaller endpoint comes first:
 * addresses are compared as unsigned byte strings, and only if they are equal do the ports
 * decide. This makes both directions of a flow produce the same value.
 *
 * <p>Protocol coverage, following the spec and its reference implementation (pycommunityid):
 * <ul>
 *   <li>TCP (6), UDP (17), SCTP (132): addresses, protocol and ports.</li>
 *   <li>ICMP (1) and ICMPv6 (58): the "ports" passed to {@link #compute} are the ICMP
 *       message type (as source port) and code (as destination port). As in Zeek, request/
 *       reply message types are mapped to a (type, counterpart-type) pair so that both
 *       directions hash alike; all other types are one-way, hash (type, code) and are never
 *       reordered.</li>
 *   <li>Any other IP protocol: only addresses and protocol are hashed; ports are ignored.</li>
 * </ul>
 *
 * <p>IPv4-mapped IPv6 addresses ({@code ::ffff:a.b.c.d}) are hashed as their 4-byte IPv4
 * form: a dual-stack Java socket talking to an IPv4 peer puts IPv4 packets on the wire, and
 * that is what capture tools hash. If after that the two addresses still differ in length,
 * the 4-byte one is widened to its IPv4-mapped 16-byte form so both sides have equal size.
 *
 * <p>Runtime constraints: this class is loaded by the boot class loader from inside a Java
 * agent, so it uses only {@code java.base}, no lambdas and no string concatenation (both of
 * which bootstrap through {@code invokedynamic}), never throws from its public methods
 * (it returns {@code null} instead), and keeps one {@link MessageDigest} plus a 40-byte
 * scratch buffer per thread so a call allocates essentially only the result string.
 */
public final class CommunityId {

    /** IP protocol number of ICMP. */
    public static final int PROTO_ICMP = 1;
    /** IP protocol number of TCP. */
    public static final int PROTO_TCP = 6;
    /** IP protocol number of UDP. */
    public static final int PROTO_UDP = 17;
    /** IP protocol number of ICMPv6. */
    public static final int PROTO_ICMPV6 = 58;
    /** IP protocol number of SCTP. */
    public static final int PROTO_SCTP = 132;

    /** Offset of the first address in the hash input; the seed occupies bytes 0-1. */
    private static final int ADDR_OFFSET = 2;
    /** Largest hash input: seed 2 + two IPv6 addresses 32 + proto 1 + pad 1 + ports 4. */
    private static final int MAX_INPUT = 40;
    /** SHA-1 digest length. */
    private static final int SHA1_LEN = 20;
    /** "1:" + base64 of 20 bytes (28 chars incl. one '=' pad). */
    private static final int RESULT_LEN = 2 + 28;

    private static final byte[] BASE64 =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                    .getBytes(StandardCharsets.ISO_8859_1);

    /** Per-thread digest and scratch space; anonymous subclass rather than a lambda. */
    private static final ThreadLocal<Scratch> SCRATCH = new ThreadLocal<Scratch>() {
        @Override
        protected Scratch initialValue() {
            return new Scratch();
        }
    };

    private CommunityId() {
    }

    /**
     * Community ID (seed 0) of a TCP connection as seen from one of its endpoints. The argument
     * order does not matter for the result: the same value comes out for (local, remote) and
     * (remote, local).
     *
     * @return the {@code "1:..."} string, or {@code null} if an address is {@code null}, a port
     *     is outside 0..65535 or the hash could not be computed
     */
    public static String tcp(InetAddress localAddress, int localPort,
                             InetAddress remoteAddress, int remotePort) {
        if (localAddress == null || remoteAddress == null) {
            return null;
        }
        return compute(0, localAddress.getAddress(), localPort,
                remoteAddress.getAddress(), remotePort, PROTO_TCP);
    }

    /**
     * General form of the Community ID v1 computation.
     *
     * @param seed 0..65535, 0 is the default used by all monitors unless configured otherwise
     * @param sourceAddress 4 (IPv4) or 16 (IPv6) bytes in network order
     * @param sourcePort 0..65535; for ICMP/ICMPv6 the message type
     * @param destinationAddress 4 or 16 bytes in network order
     * @param destinationPort 0..65535; for ICMP/ICMPv6 the message code
     * @param protocol IP protocol number 0..255; ports are hashed only for TCP, UDP, SCTP,
     *     ICMP and ICMPv6 and ignored otherwise
     * @return the {@code "1:..."} string, or {@code null} if an argument is out of range, an
     *     address is {@code null} or of another length than 4 or 16, or SHA-1 is unavailable
     */
    public static String compute(int seed, byte[] sourceAddress, int sourcePort,
                                 byte[] destinationAddress, int destinationPort, int protocol) {
        if (sourceAddress == null || destinationAddress == null
                || (seed & ~0xFFFF) != 0 || (protocol & ~0xFF) != 0) {
            return null;
        }
        int srcLen = effectiveLength(sourceAddress);
        int dstLen = effectiveLength(destinationAddress);
        if (srcLen < 0 || dstLen < 0) {
            return null;
        }
        boolean hasPorts = hasPorts(protocol);
        int sport = 0;
        int dport = 0;
        boolean oneWay = false;
        if (hasPorts) {
            if ((sourcePort & ~0xFFFF) != 0 || (destinationPort & ~0xFFFF) != 0) {
                return null;
            }
            sport = sourcePort;
            dport = destinationPort;
            if (protocol == PROTO_ICMP || protocol == PROTO_ICMPV6) {
                int counterpart = protocol == PROTO_ICMP
                        ? icmpCounterpart(sourcePort) : icmpv6Counterpart(sourcePort);
                if (counterpart < 0) {
                    oneWay = true; // hash (type, code) as given, never reorder
                } else {
                    dport = counterpart; // (type, counterpart type); the code is ignored
                }
            }
        }
        int addrLen = srcLen == dstLen ? srcLen : 16;

        try {
            Scratch s = SCRATCH.get();
            byte[] in = s.input;
            int a = ADDR_OFFSET;
            int b = ADDR_OFFSET + addrLen;
            in[0] = (byte) (seed >>> 8);
            in[1] = (byte) seed;
            putAddress(sourceAddress, srcLen, addrLen, in, a);
            putAddress(destinationAddress, dstLen, addrLen, in, b);

            if (!oneWay) {
                int cmp = compareUnsigned(in, a, b, addrLen);
                // Ordered iff saddr < daddr, or equal addresses and sport < dport
                // (ports compare the same as unsigned 16-bit ints as in network order).
                if (cmp > 0 || (cmp == 0 && sport > dport)) {
                    for (int i = 0; i < addrLen; i++) {
                        byte t = in[a + i];
                        in[a + i] = in[b + i];
                        in[b + i] = t;
                    }
                    int t = sport;
                    sport = dport;
                    dport = t;
                }
            }

            int p = ADDR_OFFSET + 2 * addrLen;
            in[p++] = (byte) protocol;
            in[p++] = 0;
            if (hasPorts) {
                in[p++] = (byte) (sport >>> 8);
                in[p++] = (byte) sport;
                in[p++] = (byte) (dport >>> 8);
                in[p++] = (byte) dport;
            }

            MessageDigest md = s.sha1;
            md.reset();
            md.update(in, 0, p);
            md.digest(s.digest, 0, SHA1_LEN);
            return render(s.digest, s.output);
        } catch (Exception e) {
            // NoSuchAlgorithmException (wrapped), DigestException, or anything odd from a
            // security provider: a missing ID must never break the traced application.
            return null;
        }
    }

    /** Whether the spec hashes port numbers for this IP protocol. */
    private static boolean hasPorts(int protocol) {
        return protocol == PROTO_TCP || protocol == PROTO_UDP || protocol == PROTO_SCTP
                || protocol == PROTO_ICMP || protocol == PROTO_ICMPV6;
    }

    /** 4 for IPv4 or IPv4-mapped IPv6, 16 for other IPv6, -1 for anything else. */
    private static int effectiveLength(byte[] addr) {
        if (addr.length == 4) {
            return 4;
        }
        if (addr.length != 16) {
            return -1;
        }
        for (int i = 0; i < 10; i++) {
            if (addr[i] != 0) {
                return 16;
            }
        }
        return (addr[10] == (byte) 0xFF && addr[11] == (byte) 0xFF) ? 4 : 16;
    }

    /**
     * Writes {@code addr} (whose effective length is {@code effLen}) into {@code out} using
     * {@code width} bytes: a 4-byte form widened to 16 becomes {@code ::ffff:a.b.c.d}.
     */
    private static void putAddress(byte[] addr, int effLen, int width, byte[] out, int off) {
        int from = addr.length - effLen; // 12 for a mapped 16-byte array, else 0
        if (width == effLen) {
            System.arraycopy(addr, from, out, off, effLen);
            return;
        }
        // effLen == 4, width == 16
        for (int i = 0; i < 10; i++) {
            out[off + i] = 0;
        }
        out[off + 10] = (byte) 0xFF;
        out[off + 11] = (byte) 0xFF;
        System.arraycopy(addr, from, out, off + 12, 4);
    }

    private static int compareUnsigned(byte[] buf, int a, int b, int len) {
        for (int i = 0; i < len; i++) {
            int x = buf[a + i] & 0xFF;
            int y = buf[b + i] & 0xFF;
            if (x != y) {
                return x < y ? -1 : 1;
            }
        }
        return 0;
    }

    /**
     * ICMPv4 request/reply pairs as mapped by Zeek and pycommunityid ({@code icmp.py}):
     * echo, timestamp, information, router solicitation/advertisement, address mask.
     * Returns -1 for one-way message types.
     */
    private static int icmpCounterpart(int type) {
        switch (type) {
            case 8: return 0;   // echo -> echo reply
            case 0: return 8;
            case 13: return 14; // timestamp -> timestamp reply
            case 14: return 13;
            case 15: return 16; // information request -> reply
            case 16: return 15;
            case 10: return 9;  // router solicitation -> advertisement
            case 9: return 10;
            case 17: return 18; // address mask request -> reply
            case 18: return 17;
            default: return -1;
        }
    }

    /**
     * ICMPv6 request/reply pairs as mapped by Zeek and pycommunityid ({@code icmp6.py}).
     * Returns -1 for one-way message types.
     */
    private static int icmpv6Counterpart(int type) {
        switch (type) {
            case 128: return 129; // echo request -> reply
            case 129: return 128;
            case 130: return 131; // MLD listener query -> report
            case 131: return 130;
            case 133: return 134; // router solicitation -> advertisement
            case 134: return 133;
            case 135: return 136; // neighbor solicitation -> advertisement
            case 136: return 135;
            case 139: return 140; // who-are-you request -> reply
            case 140: return 139;
            case 144: return 145; // home agent address discovery request -> reply
            case 145: return 144;
            default: return -1;
        }
    }

    /** "1:" + standard, padded base64 of the 20-byte digest. */
    private static String render(byte[] digest, byte[] out) {
        out[0] = '1';
        out[1] = ':';
        int o = 2;
        int i = 0;
        for (; i + 3 <= SHA1_LEN; i += 3) { // 6 full groups
            int v = (digest[i] & 0xFF) << 16 | (digest[i + 1] & 0xFF) << 8 | (digest[i + 2] & 0xFF);
            out[o++] = BASE64[v >>> 18];
            out[o++] = BASE64[(v >>> 12) & 0x3F];
            out[o++] = BASE64[(v >>> 6) & 0x3F];
            out[o++] = BASE64[v & 0x3F];
        }
        // 20 = 6 * 3 + 2: two bytes left -> three characters and one '='
        int v = (digest[i] & 0xFF) << 16 | (digest[i + 1] & 0xFF) << 8;
        out[o++] = BASE64[v >>> 18];
        out[o++] = BASE64[(v >>> 12) & 0x3F];
        out[o++] = BASE64[(v >>> 6) & 0x3F];
        out[o] = '=';
        return new String(out, 0, RESULT_LEN, StandardCharsets.ISO_8859_1);
    }

    /** Per-thread state; SHA-1 is guaranteed by every Java platform. */
    private static final class Scratch {
        final MessageDigest sha1;
        final byte[] input = new byte[MAX_INPUT];
        final byte[] digest = new byte[SHA1_LEN];
        final byte[] output = new byte[RESULT_LEN];

        Scratch() {
            try {
                sha1 = MessageDigest.getInstance("SHA-1");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
