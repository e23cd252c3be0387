package io.socktrace.runtime;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One shared {@link Address} per IP address, so that ten thousand connections to the same peer
 * (or from the same local address) hold one InetAddress and one text form between them instead
 * of ten thousand: per-connection memory is what decides whether an agent may watch a busy
 * server. Bounded; beyond the bound an address gets an unshared entry. Never does a name lookup.
 */
final class SharedAddresses {
    /** Distinct addresses kept; a host talks to far fewer peers than this in practice. */
    private static final int MAX_SHARED = 4096;
    private static final ConcurrentHashMap<InetAddress, Address> SHARED = new ConcurrentHashMap<>();

    private SharedAddresses() {
    }

    /** An address and its literal text (never a host name). */
    static final class Address {
        final InetAddress address;
        final String text;
        /**
         * The endpoint of the latest connect to this address, so that a client connecting to the
         * same peer again and again finds its {@link Endpoint} without a map lookup.
         */
        volatile Endpoint lastRemote;

        Address(InetAddress address) {
            this.address = address;
            this.text = address.getHostAddress();
        }
    }

    /** The shared entry for this address; null for null. */
    static Address of(InetAddress a) {
        if (a == null) {
            return null;
        }
        if (a instanceof Inet6Address && (((Inet6Address) a).getScopeId() != 0 || ((Inet6Address) a).getScopedInterface() != null)) {
            // Inet6Address.equals ignores the scope, the text does not: fe80::1%eth0 and
            // fe80::1%eth1 (and ::1%lo, ::1) must not share an entry
            return new Address(a);
        }
        Address shared = SHARED.get(a);
        if (shared != null) {
            return shared;
        }
        Address fresh = new Address(a);
        if (SHARED.size() >= MAX_SHARED) {
            return fresh;
        }
        shared = SHARED.putIfAbsent(a, fresh);
        return shared == null ? fresh : shared;
    }
}
