package io.socktrace.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the runtime remembers about one socket between calls: its id, 4-tuple, byte totals and the
 * facts that decide who closed it. It is reachable only from the socket object itself (or a weak
 * map keyed by it), so a closed or collected socket leaves nothing behind.
 *
 * <p>Counters are updated by whichever thread did the I/O; reads and writes of one socket may
 * happen on two threads at once, each counter by one at a time (see {@link #addBytesRead}).
 */
public final class Connection {

    private static final AtomicLong NEXT_ID = new AtomicLong(1);
    private static final VarHandle BYTES_READ;
    private static final VarHandle BYTES_WRITTEN;
    private static final VarHandle RARE;
    private static final VarHandle BYTES_READ_COUNTED;
    private static final VarHandle BYTES_WRITTEN_COUNTED;
    private static final VarHandle ENDPOINT;
    private static final VarHandle READS_ENDED;
    private static final VarHandle WRITES_ENDED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            BYTES_READ = lookup.findVarHandle(Connection.class, "bytesRead", long.class);
            BYTES_WRITTEN = lookup.findVarHandle(Connection.class, "bytesWritten", long.class);
            RARE = lookup.findVarHandle(Connection.class, "rare", Rare.class);
            BYTES_READ_COUNTED = lookup.findVarHandle(Connection.class, "bytesReadCounted", long.class);
            BYTES_WRITTEN_COUNTED = lookup.findVarHandle(Connection.class, "bytesWrittenCounted", long.class);
            ENDPOINT = lookup.findVarHandle(Connection.class, "endpoint", Endpoint.class);
            READS_ENDED = lookup.findVarHandle(Connection.class, "readsEnded", byte.class);
            WRITES_ENDED = lookup.findVarHandle(Connection.class, "writesEnded", byte.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Life stages that change how later calls are interpreted. */
    enum Phase { NEW, CONNECTING, CONNECTED, FAILED, LISTENING, CLOSED }

    final long id = NEXT_ID.getAndIncrement();
    volatile Phase phase = Phase.NEW;

    String host;
    /** Shared with every other connection to the same address (see {@link SharedAddresses}). */
    SharedAddresses.Address remote;
    int remotePort;
    SharedAddresses.Address local;
    int localPort;

    /**
     * System.nanoTime() when the connection was established (or the listener bound); while the
     * connection is CONNECTING, when its connect began (the connect's latency for the statistics).
     */
    volatile long establishedNanos;
    /** System.nanoTime() of the first end of stream read; 0 while none was seen. */
    volatile long endOfStreamNanos;
    volatile boolean inputShutdown;
    long bytesRead;
    long bytesWritten;
    /** Low 32 bits of {@link #bytesWritten} when the current write began (writes are serialised by the JDK). */
    int bytesWrittenAtWriteStart;
    /*
     * Reads (writes) whose advice began and ended, modulo 256. The advice counts a call's bytes
     * after the JDK method returned, with its lock released, so a close on another thread can
     * find the bytes of a finished call not yet counted: the close waits, briefly, until every
     * call that began has ended (see awaitTransfers). Plain increments, by the threads the JDK
     * serialises on each side; a lost one (two readers at once) only makes a close wait its bound.
     */
    byte readsBegun;
    private byte readsEnded;
    byte writesBegun;
    private byte writesEnded;
    /** Not a TCP connection (a Unix domain channel): nothing is recorded for it. */
    volatile boolean ignored;
    /** Non-null while the socket is open and tracked for the samplers and the leak checks. */
    volatile OpenSockets.Tracked tracked;
    volatile boolean closeWaitReported;

    static final byte UNDECIDED = 0;
    static final byte SAMPLED = 1;
    static final byte NOT_SAMPLED = 2;
    /** Whether sampling chose this connection to be recorded whole (see {@link Sampling}); decided once. */
    volatile byte sampling;
    /** Its Connect or Accept was recorded (sampled, failed or slow): its Close is recorded too. */
    volatile boolean recorded;
    /** The endpoint whose statistics count this connection, held from connect (or accept) to close; null before and after. */
    volatile Endpoint endpoint;
    /** The part of {@link #bytesRead} and {@link #bytesWritten} already added to the endpoint's statistics. */
    private long bytesReadCounted;
    private long bytesWrittenCounted;

    /**
     * A send stall in progress: from the first short non-blocking write until a write is accepted
     * in full; null otherwise (a separate object because few connections ever stall). Touched only
     * by the thread writing to the channel (the JDK serialises writes).
     */
    SendStall stall;

    /**
     * State that most connections never need (half-close, linger, listeners, non-blocking and
     * asynchronous operations, opening stacks), kept apart so the common connection stays small:
     * per-connection bytes decide whether the agent may watch a server with 100,000 sockets.
     */
    private volatile Rare rare;

    /** See {@link #rare}; fields are written by the thread doing the operation they belong to. */
    static final class Rare {
        /** System.nanoTime() of shutdownOutput; 0 if never. A FIN we sent first makes us the initiator. */
        volatile long outputShutdownNanos;
        /** SO_LINGER in seconds, -1 when off. */
        volatile int linger = -1;
        volatile int backlog;
        /** A non-blocking connect between connect() and the finishConnect() that completes it. */
        volatile io.socktrace.events.ConnectEvent pendingConnect;
        /** A non-blocking connect is in progress (whether or not {@link #pendingConnect} records it). */
        volatile boolean connectPending;
        /** Future-style asynchronous operations in progress, by {@link Operation} ordinal. */
        AsyncOperation[] pendingAsync;
        /** Where the socket was connected, accepted or bound; null unless openingStacks is on. */
        OpeningStack openingStack;
        /** Writes that returned less than asked (non-blocking), over the connection's life. */
        volatile long shortWrites;
        /** The first reset or broken pipe seen on this connection; null while healthy. */
        volatile ResetKind resetKind;
        /**
         * The JDK met a reset or broken pipe inside itself and kept it (see {@link InsideJdk}):
         * the peer had closed its socket before ours, so it closed first.
         */
        volatile boolean peerGoneInJdk;
        /** The peer's FIN was waiting unread when this side shut its output down (see {@link CloseTracing#shutdown}). */
        volatile boolean finUnreadAtShutdown;
        /** Nothing was waiting to be read when the application called the TLS close (see {@link CloseTracing#tlsCloseBegins}). */
        volatile boolean quietAtTlsClose;
        /** The JDK met a failure inside itself on this connection (its first one is recorded). */
        volatile boolean handledFailure;
    }

    private static final Rare NONE = new Rare();

    /** Where the socket was opened, as text; null unless openingStacks was on then. */
    String openingStackText() {
        OpeningStack opened = rareOrDefaults().openingStack;
        return opened == null ? null : opened.format();
    }

    /** The rare state for reading: a shared all-defaults instance until something was written. */
    Rare rareOrDefaults() {
        Rare r = rare;
        return r == null ? NONE : r;
    }

    /** The rare state for writing, created on first need (two threads may race: one wins). */
    Rare rare() {
        Rare r = rare;
        if (r == null) {
            r = new Rare();
            if (!RARE.compareAndSet(this, null, r)) {
                r = rare;
            }
        }
        return r;
    }

    /** What a send stall has accumulated so far. */
    static final class SendStall {
        /** A recording wanted Send events when the stall began. */
        boolean recorded;
        long startNanos;
        long requested;
        long written;
        long shortWrites;
        boolean firstWriteEmpty;
    }

    Connection() {
    }

    public long id() {
        return id;
    }

    /** Copies this connection's id and 4-tuple into an event. */
    public void describe(io.socktrace.events.ConnectionEvent e) {
        Tracing.fill(e, this);
    }

    /** The socket's descriptor number while it is open, else -1. */
    public int descriptor() {
        OpenSockets.Tracked t = tracked;
        return t == null ? -1 : JdkAccess.descriptor(t.get());
    }

    public boolean isListening() {
        return phase == Phase.LISTENING;
    }

    /** Local address bytes (4 or 16), or null when unknown. */
    /** The local address, or null when unknown or the wildcard (a listener bound to all addresses). */
    public byte[] localAddressBytes() {
        SharedAddresses.Address a = local;
        return a == null || a.address.isAnyLocalAddress() ? null : a.address.getAddress();
    }

    public int localPort() {
        return localPort;
    }

    /** Remote address bytes (4 or 16), or null when not connected. */
    public byte[] remoteAddressBytes() {
        SharedAddresses.Address a = remote;
        return a == null ? null : a.address.getAddress();
    }

    public int remotePort() {
        return remotePort;
    }

    /** The backlog a listener asked for; 0 for connections. */
    public int backlog() {
        return rareOrDefaults().backlog;
    }

    /*
     * Atomic adds. The JDK serialises the reads of a socket (and its writes) with its read (write)
     * lock, but the advice counts after the method returned, with the lock released: a write on
     * another thread can take the lock and count first. With a plain release store two such counts
     * read the same old total and one was lost (CI on JDK 25: an HTTP server's close reported two of
     * its three responses, each written on its own handler thread). An uncontended atomic add costs
     * a few nanoseconds against a ~3 us socket call.
     */
    void addBytesRead(long n) {
        BYTES_READ.getAndAdd(this, n);
    }

    void addBytesWritten(long n) {
        BYTES_WRITTEN.getAndAdd(this, n);
    }

    void readEnded() {
        READS_ENDED.setRelease(this, (byte) (readsEnded + 1));
    }

    void writeEnded() {
        WRITES_ENDED.setRelease(this, (byte) (writesEnded + 1));
    }

    /** The longest a close waits for calls on other threads to count their bytes (see {@link #readsBegun}). */
    static final long TRANSFER_WAIT_NANOS = 20_000_000L;

    /**
     * Waits until every read and write that began on this connection has counted its bytes, at
     * most {@link #TRANSFER_WAIT_NANOS}; returns whether they all did. Called by the closing
     * thread after the JDK's close, which woke any call still blocked and (channels) waited for
     * the calls holding its locks: what is left is each call's advice, a few instructions long
     * unless its thread was descheduled (on a loaded machine, for a time slice or two).
     */
    boolean awaitTransfers() {
        if (settled()) {
            return true;
        }
        if (Thread.currentThread().isInterrupted()) {
            // the JDK closes a socket inside the read of a virtual thread interrupted there (JDK
            // 21+), on that very thread: the read in flight is this thread's own, and will not end
            // while it waits here
            return false;
        }
        long deadline = System.nanoTime() + TRANSFER_WAIT_NANOS;
        for (int spins = 0; !settled(); spins++) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            if (spins < 100) {
                Thread.onSpinWait();
            } else if (spins < 200) {
                Thread.yield();
            } else {
                java.util.concurrent.locks.LockSupport.parkNanos(20_000L);
            }
        }
        return true;
    }

    private boolean settled() {
        return (byte) READS_ENDED.getAcquire(this) == readsBegun && (byte) WRITES_ENDED.getAcquire(this) == writesBegun;
    }

    /**
     * Adds the bytes moved since the last count to {@code e}'s statistics. Called at close and by
     * each statistics period, possibly at once: each side only ever raises the counted mark, so
     * every byte is added exactly once.
     */
    void countBytes(Endpoint e) {
        long read = bytesRead;
        long counted = (long) BYTES_READ_COUNTED.getVolatile(this);
        while (read > counted) {
            if (BYTES_READ_COUNTED.compareAndSet(this, counted, read)) {
                e.add(Endpoint.BYTES_READ, read - counted);
                break;
            }
            counted = (long) BYTES_READ_COUNTED.getVolatile(this);
        }
        long written = bytesWritten;
        counted = (long) BYTES_WRITTEN_COUNTED.getVolatile(this);
        while (written > counted) {
            if (BYTES_WRITTEN_COUNTED.compareAndSet(this, counted, written)) {
                e.add(Endpoint.BYTES_WRITTEN, written - counted);
                break;
            }
            counted = (long) BYTES_WRITTEN_COUNTED.getVolatile(this);
        }
    }

    /** Lets go of the endpoint (the connection ended); once, whichever thread gets here first. */
    void releaseEndpoint() {
        Endpoint e = (Endpoint) ENDPOINT.getAndSet(this, null);
        if (e != null) {
            countBytes(e);
            e.release();
        }
    }

    void setRemote(String host, InetAddress address, int port) {
        SharedAddresses.Address shared = SharedAddresses.of(address);
        // a literal "host" (an accepted peer, or an address given without a name) is the shared text
        this.host = shared != null && shared.text.equals(host) ? shared.text : host;
        this.remote = shared;
        this.remotePort = port;
    }

    void setLocal(InetAddress address, int port) {
        if (address != null && address.isAnyLocalAddress() && phase != Phase.LISTENING) {
            // An unconnected socket (a failed connect) reports the wildcard: the source address
            // its SYNs used is not known, and the wildcard would be a wrong join key. A listener
            // keeps it: bound to every address is what it is.
            address = null;
        }
        this.local = SharedAddresses.of(address);
        this.localPort = port;
    }

    /**
     * The Community ID of this connection's 4-tuple; computed each time (about a microsecond, for
     * the two or three events that carry it) rather than kept, to keep connections small.
     */
    String communityId() {
        SharedAddresses.Address l = local;
        SharedAddresses.Address r = remote;
        if (l == null || r == null || localPort <= 0 || remotePort <= 0) {
            return null;
        }
        return CommunityId.tcp(l.address, localPort, r.address, remotePort);
    }
}
