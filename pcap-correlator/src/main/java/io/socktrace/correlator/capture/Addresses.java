package io.socktrace.correlator.capture;

/**
 * Formats the two-long addresses of {@link PacketCursor}: IPv4 (and IPv4-mapped IPv6) in dotted
 * form, IPv6 in the RFC 5952 canonical text form. No name resolution, ever.
 */
public final class Addresses {
    private Addresses() {
    }

    /**
     * The upper 64 bits of an address given as 4 (IPv4, taken as {@code ::ffff:a.b.c.d}) or 16
     * bytes, as {@link PacketCursor} holds it; 0 for any other length.
     */
    public static long high(byte[] address) {
        return address.length == 16 ? bits(address, 0) : 0;
    }

    /** The lower 64 bits of an address given as 4 or 16 bytes; see {@link #high(byte[])}. */
    public static long low(byte[] address) {
        if (address.length == 4) {
            return 0xffffL << 32 | (bits(address, 0) >>> 32);
        }
        return address.length == 16 ? bits(address, 8) : 0;
    }

    private static long bits(byte[] b, int from) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | (from + i < b.length ? b[from + i] & 0xff : 0);
        }
        return v;
    }

    /** True if the 128-bit address is {@code ::ffff:a.b.c.d}. */
    public static boolean isIpv4(long high, long low) {
        return high == 0 && (low >>> 32) == 0xffffL;
    }

    /** Text form of a 128-bit address. */
    public static String format(long high, long low) {
        if (isIpv4(high, low)) {
            return ((low >>> 24) & 0xff) + "." + ((low >>> 16) & 0xff) + "." + ((low >>> 8) & 0xff) + "." + (low & 0xff);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 4; i++) {
            groups[i] = (int) (high >>> (48 - 16 * i)) & 0xffff;
            groups[i + 4] = (int) (low >>> (48 - 16 * i)) & 0xffff;
        }
        int bestStart = -1;
        int bestLength = 1; // RFC 5952: "::" only for runs of two or more zero groups
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder text = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }

    /** Address and port, IPv6 in brackets. */
    public static String formatEndpoint(long high, long low, int port) {
        return isIpv4(high, low) ? format(high, low) + ":" + port : "[" + format(high, low) + "]:" + port;
    }
}
