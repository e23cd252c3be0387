package io.socktrace.runtime;

import io.socktrace.events.AcceptEvent;
import io.socktrace.events.CloseEvent;
import io.socktrace.events.ConnectEvent;
import io.socktrace.events.ConnectionEvent;
import io.socktrace.events.ListenEvent;
import io.socktrace.events.ReceiveEvent;
import io.socktrace.events.ResetEvent;
import io.socktrace.events.SendEvent;
import io.socktrace.events.ShutdownEvent;
import io.socktrace.events.SocketOptionEvent;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * What a socket operation means for the connection and which event it gives, independent of the
 * API it came through ({@code Socket}, {@code SocketChannel}, {@code AsynchronousSocketChannel}).
 * The public tracers translate their JDK class's calls into these; they also catch everything,
 * so code here may throw.
 */
final class Tracing {

    /**
     * This thread's connect in progress: how deep it is inside connect calls (a close seen there is
     * the JDK's own clean-up), and the local address the JDK itself asked the kernel for when the
     * connection was established ({@code NioSocketImpl.endConnect} calls {@code Net.localAddress}
     * and keeps only the port), so that recording it needs no second getsockname.
     */
    private static final class ConnectScope {
        int depth;
        InetSocketAddress localSeen;
    }

    private static final ThreadLocal<ConnectScope> CONNECT_SCOPE = ThreadLocal.withInitial(ConnectScope::new);

    private Tracing() {
    }

    // ---- connect ----------------------------------------------------------------------------------

    static void enterConnect() {
        ConnectScope scope = CONNECT_SCOPE.get();
        scope.depth++;
        scope.localSeen = null;
    }

    static void leaveConnect() {
        CONNECT_SCOPE.get().depth--;
    }

    private static boolean insideConnect() {
        return CONNECT_SCOPE.get().depth > 0;
    }

    /** The JDK asked the kernel for a socket's local address (sun.nio.ch.Net.localAddress returned). */
    static void localAddressReturned(InetSocketAddress local) {
        ConnectScope scope = CONNECT_SCOPE.get();
        if (scope.depth > 0) {
            scope.localSeen = local;
        }
    }

    /** The local address the JDK looked up inside this thread's latest connect, once; or null. */
    private static InetSocketAddress takeLocalSeenInConnect() {
        ConnectScope scope = CONNECT_SCOPE.get();
        InetSocketAddress seen = scope.localSeen;
        scope.localSeen = null;
        return seen;
    }

    static ConnectEvent connectBegin(Object socket, SocketAddress remote, long timeoutMillis) {
        // the clock starts first, so that the agent's own work is not missing from the latency
        ConnectEvent e = TracerConfig.jfrInitialized() ? new ConnectEvent() : null;
        boolean enabled = e != null && e.isEnabled();
        if (enabled) {
            e.begin();
        }
        Connection c = Connections.of(socket);
        c.phase = Connection.Phase.CONNECTING;
        setRemote(c, remote, true);
        if (TracerConfig.openingStacks && !c.ignored) {
            c.rare().openingStack = new OpeningStack();
        }
        if (!c.ignored) {
            // tracked while connecting too: the sampler finds a SYN_SENT socket by its inode
            OpenSockets.track(socket, c);
        }
        if (c.ignored || !enabled) {
            return null;
        }
        e.timeout = timeoutMillis;
        return e;
    }

    /**
     * Commits an event a method here returned, if any. The events of the application's own calls
     * are committed by the advice inlined into the JDK method instead, so that their stack traces
     * start at that JDK method rather than two frames deep in socktrace (the top frame the JDK's
     * own socket events have, and two frames fewer for JFR to walk on every event); this is for
     * the rest: asynchronous completions, and a close that ends a pending connect or send stall.
     */
    static void commit(jdk.jfr.Event e) {
        if (e != null) {
            e.commit();
        }
    }

    /**
     * A connect attempt ended: connected, or failed with {@code thrown}. Returns the event for the
     * caller to commit (see {@link #commit}), or null.
     */
    static ConnectEvent connectDone(Object socket, Connection c, ConnectEvent e, boolean blocking, Throwable thrown) {
        if (c.ignored) {
            return null;
        }
        if (thrown == null) {
            c.phase = Connection.Phase.CONNECTED;
            c.establishedNanos = System.nanoTime();
            InetSocketAddress seen = socket instanceof java.net.SocketImpl ? takeLocalSeenInConnect() : null;
            if (seen != null && seen.getPort() != 0 && seen.getAddress() != null) {
                c.setLocal(seen.getAddress(), seen.getPort());
            } else {
                captureLocal(socket, c);
            }
            OpenSockets.track(socket, c);
        } else {
            c.phase = Connection.Phase.FAILED;
            OpenSockets.untrack(c);
            if (c.rareOrDefaults().openingStack != null) {
                c.rare().openingStack = null;
            }
        }
        if (e == null) {
            return null;
        }
        e.end();
        if (e.shouldCommit()) {
            fill(e, c);
            e.blocking = blocking;
            e.outcome = ErrorClassifier.connect(thrown).name();
            if (thrown != null) {
                e.exceptionClass = thrown.getClass().getName();
                e.exceptionMessage = thrown.getMessage();
            }
            e.communityId = c.communityId();
            return e;
        }
        return null;
    }

    // ---- listen and accept ------------------------------------------------------------------------

    static void listened(Object socket, int backlog) {
        Connection c = Connections.of(socket);
        c.phase = Connection.Phase.LISTENING;
        c.rare().backlog = backlog;
        c.establishedNanos = System.nanoTime();
        captureLocal(socket, c);
        if (c.local == null && c.localPort == 0) {
            return; // not an IP socket (Unix domain): nothing to record
        }
        if (TracerConfig.openingStacks) {
            c.rare().openingStack = new OpeningStack();
        }
        OpenSockets.track(socket, c);
        if (!TracerConfig.jfrInitialized()) {
            return;
        }
        ListenEvent e = new ListenEvent();
        if (e.shouldCommit()) {
            fill(e, c);
            e.backlog = backlog;
            e.effectiveBacklog = Math.min(backlog < 1 ? 50 : backlog, TracerConfig.maxBacklog);
            e.commit();
        }
    }

    static AcceptEvent acceptBegin() {
        if (!TracerConfig.jfrInitialized()) {
            return null;
        }
        AcceptEvent e = new AcceptEvent();
        if (!e.isEnabled()) {
            return null;
        }
        e.begin();
        return e;
    }

    /**
     * An accept ended. {@code accepted} is the new socket object (null when a non-blocking accept
     * found nothing, which is no event, or when it failed). Returns the event to commit, or null.
     */
    static AcceptEvent accepted(Object listener, AcceptEvent e, Object accepted, SocketAddress remote, long timeoutMillis,
                               boolean blocking, Throwable thrown) {
        Connection c = null;
        if (accepted != null) {
            c = Connections.of(accepted);
            setRemote(c, remote, false);
            if (c.ignored) {
                return null;
            }
            c.phase = Connection.Phase.CONNECTED;
            c.establishedNanos = System.nanoTime();
            Connection l = Connections.of(listener);
            if (l.local != null && l.localPort > 0 && !l.local.address.isAnyLocalAddress()) {
                // A listener bound to one address: every connection it accepts has that local
                // address and port, so no getsockname (a system call per accept) is needed.
                c.local = l.local;
                c.localPort = l.localPort;
            } else {
                captureLocal(accepted, c);
            }
            if (TracerConfig.openingStacks) {
                c.rare().openingStack = new OpeningStack();
            }
            OpenSockets.track(accepted, c);
        } else if (thrown == null) {
            return null;
        }
        if (e == null) {
            return null;
        }
        e.end();
        if (e.shouldCommit()) {
            Connection l = Connections.of(listener);
            if (l.ignored) {
                return null;
            }
            if (c != null) {
                fill(e, c);
                e.communityId = c.communityId();
            }
            e.listenerId = l.id;
            e.listenAddress = l.local == null ? null : l.local.text;
            e.listenPort = l.localPort;
            e.timeout = timeoutMillis;
            e.blocking = blocking;
            e.outcome = ErrorClassifier.accept(thrown).name();
            if (thrown != null) {
                e.exceptionClass = thrown.getClass().getName();
                e.exceptionMessage = thrown.getMessage();
            }
            return e;
        }
        return null;
    }

    // ---- read -------------------------------------------------------------------------------------

    /**
     * Ask whether Receive and Send are enabled without making an event: isEnabled() reads only
     * class state. A holder, loaded once JFR is up (see {@link TracerConfig#jfrInitialized}).
     */
    private static final class Probes {
        static final ReceiveEvent RECEIVE = new ReceiveEvent();
        static final SendEvent SEND = new SendEvent();
    }

    /** The per-connection event classes, initialised ahead by {@link #prepare} (literals: a rename is a compile error). */
    private static final Class<?>[] EVENT_CLASSES = {
        ConnectEvent.class, AcceptEvent.class, ListenEvent.class, CloseEvent.class, ResetEvent.class,
        ShutdownEvent.class, SocketOptionEvent.class,
    };

    /** See {@link TracerConfig#prepareEvents}; JFR must be initialised. */
    static void prepare() {
        Probes.RECEIVE.isEnabled();
        for (Class<?> type : EVENT_CLASSES) {
            try {
                Class.forName(type.getName(), true, type.getClassLoader()); // a class literal does not initialise
            } catch (ClassNotFoundException | LinkageError e) {
                AgentLog.warn("could not initialise " + type.getName() + ": " + e);
            }
        }
    }

    /**
     * A read begins: its start time, or 0 when no recording wants Receive events. Nothing is
     * allocated; the event is made at the end, only for a read worth recording (see {@link EventTimes}).
     */
    static long receiveStart() {
        if (!TracerConfig.jfrInitialized() || !Probes.RECEIVE.isEnabled()) {
            return 0;
        }
        long now = System.nanoTime();
        return now == 0 ? 1 : now;
    }

    /**
     * A read that began at {@code startNanos} ({@link #receiveStart}; 0: not recorded) ended with
     * {@code n} bytes (-1: end of stream; 0: nothing, as a non-blocking read in a selector loop
     * returns all the time, which is never an event) or with {@code thrown}.
     */
    static ReceiveEvent received(Object socket, long startNanos, long n, long timeoutMillis, Throwable thrown) {
        Connection c = adopted(socket);
        if (c.ignored) {
            return null;
        }
        long now = System.nanoTime();
        if (thrown == null) {
            if (n > 0) {
                c.addBytesRead(n);
            } else if (n < 0 && c.endOfStreamNanos == 0) {
                c.endOfStreamNanos = now;
            }
        } else {
            noteReset(c, thrown, Operation.READ);
        }
        if (startNanos == 0 || (thrown == null && (n == 0 || now - startNanos < TracerConfig.receiveThresholdNanos))) {
            return null;
        }
        ReceiveEvent e = new ReceiveEvent();
        if (!EventTimes.apply(e, startNanos, now)) {
            e.begin();
        }
        if (e.shouldCommit()) {
            fill(e, c);
            e.bytesRead = Math.max(n, 0);
            e.endOfStream = thrown == null && n < 0;
            e.timeout = timeoutMillis;
            e.outcome = (thrown != null ? ErrorClassifier.receive(thrown) : n < 0 ? ReceiveOutcome.EOF : ReceiveOutcome.OK).name();
            if (thrown != null) {
                e.exceptionClass = thrown.getClass().getName();
                e.exceptionMessage = thrown.getMessage();
            }
            return e;
        }
        return null;
    }

    // ---- write ------------------------------------------------------------------------------------

    /**
     * A write begins: its start time, or 0 when no recording wants Send events. The bytes the
     * connection had written so far are noted (an int field, writes are serialised by the JDK) so
     * that a write that fails half way can say what it moved.
     */
    static long sendStart(Object socket) {
        if (!TracerConfig.jfrInitialized() || !Probes.SEND.isEnabled()) {
            return 0;
        }
        Connection c = Connections.of(socket);
        c.bytesWrittenAtWriteStart = (int) c.bytesWritten;
        long now = System.nanoTime();
        return now == 0 ? 1 : now;
    }

    /**
     * A write of {@code requested} bytes ended. {@code n} is what it wrote, or -1 when the bytes
     * were counted as they went ({@code NioSocketImpl}, whose write loops until done or failed).
     * A non-blocking write that wrote less than asked starts or continues a stall; the stall is
     * one Send, from the first short write to the write that is accepted in full.
     */
    static SendEvent sent(Object socket, long startNanos, long requested, long n, boolean blocking, long timeoutMillis, Throwable thrown) {
        Connection c = adopted(socket);
        if (c.ignored || (requested == 0 && thrown == null)) {
            return null; // an empty write moves nothing and ends no stall
        }
        if (n > 0) {
            c.addBytesWritten(n);
        }
        if (thrown != null) {
            noteReset(c, thrown, Operation.WRITE);
        }
        if (!blocking && thrown == null) {
            if (n < requested) {
                c.rare().shortWrites++;
                Connection.SendStall stall = c.stall;
                if (stall == null) {
                    stall = new Connection.SendStall();
                    stall.recorded = startNanos != 0;
                    stall.startNanos = startNanos != 0 ? startNanos : System.nanoTime();
                    stall.requested = requested;
                    stall.written = n;
                    stall.shortWrites = 1;
                    stall.firstWriteEmpty = n == 0;
                    c.stall = stall;
                } else {
                    stall.written += n;
                    stall.shortWrites++;
                }
                return null;
            }
            if (c.stall != null) {
                c.stall.written += n;
                return endStall(c, null);
            }
        }
        if (thrown != null && c.stall != null) {
            return endStall(c, thrown);
        }
        long now = System.nanoTime();
        if (startNanos == 0 || (thrown == null && now - startNanos < TracerConfig.sendThresholdNanos)) {
            return null;
        }
        SendEvent e = new SendEvent();
        if (!EventTimes.apply(e, startNanos, now)) {
            e.begin();
        }
        if (e.shouldCommit()) {
            fill(e, c);
            e.bytesRequested = requested;
            // what a failed stream write moved: the low 32 bits of the total then and now suffice for one call
            e.bytesWritten = n >= 0 ? n : thrown == null ? requested
                    : Math.max(0, Math.min(requested, (int) c.bytesWritten - c.bytesWrittenAtWriteStart));
            e.timeout = timeoutMillis;
            e.outcome = (thrown == null ? SendOutcome.OK : ErrorClassifier.send(thrown)).name();
            if (thrown != null) {
                e.exceptionClass = thrown.getClass().getName();
                e.exceptionMessage = thrown.getMessage();
            }
            return e;
        }
        return null;
    }

    /** A send stall ended (a full write, an error, or the close): its Send to commit, or null. */
    private static SendEvent endStall(Connection c, Throwable thrown) {
        Connection.SendStall stall = c.stall;
        c.stall = null;
        long now = System.nanoTime();
        if (!stall.recorded || (thrown == null && now - stall.startNanos < TracerConfig.sendThresholdNanos)) {
            return null;
        }
        SendEvent e = new SendEvent();
        if (!EventTimes.apply(e, stall.startNanos, now)) {
            e.begin();
        }
        if (e.shouldCommit()) {
            fill(e, c);
            e.bytesRequested = stall.requested;
            e.bytesWritten = stall.written;
            e.shortWrites = stall.shortWrites;
            e.outcome = (thrown != null ? ErrorClassifier.send(thrown)
                    : stall.firstWriteEmpty ? SendOutcome.WOULD_BLOCK : SendOutcome.PARTIAL).name();
            if (thrown != null) {
                e.exceptionClass = thrown.getClass().getName();
                e.exceptionMessage = thrown.getMessage();
            }
            return e;
        }
        return null;
    }

    // ---- close, shutdown, options -----------------------------------------------------------------

    /**
     * The application closes {@code socket}; called while the descriptor is still open. Returns
     * the event to commit when the close returns, or null when this close is no connection's end.
     */
    static CloseEvent closeBegin(Object socket) {
        Connection c = adopted(socket);
        if (c.ignored) {
            return null;
        }
        Connection.Phase phase = c.phase;
        if (phase == Connection.Phase.CONNECTING) {
            if (insideConnect()) {
                // The JDK closes a socket whose connect failed before rethrowing: part of the
                // Connect, not a Close. Keep the local port the SYNs went out from, if any.
                if (c.localPort <= 0) {
                    captureLocal(socket, c);
                }
            } else {
                Connection.Rare rare = c.rareOrDefaults();
                ConnectEvent pending = rare.pendingConnect;
                if (pending != null) {
                    rare.pendingConnect = null;
                }
                if (pending != null) {
                    // closed while a non-blocking connect was still in progress
                    captureLocal(socket, c);
                    commit(connectDone(socket, c, pending, false, new java.nio.channels.AsynchronousCloseException() {
                        private static final long serialVersionUID = 1L;

                        @Override
                        public String getMessage() {
                            return "closed before finishConnect";
                        }
                    }));
                }
            }
            return null;
        }
        if (phase != Connection.Phase.CONNECTED) {
            if (phase == Connection.Phase.LISTENING || phase == Connection.Phase.NEW || phase == Connection.Phase.FAILED) {
                c.phase = Connection.Phase.CLOSED;
                OpenSockets.untrack(c);
            }
            return null;
        }
        c.phase = Connection.Phase.CLOSED;
        OpenSockets.untrack(c);
        if (c.stall != null) {
            commit(endStall(c, null));
        }
        if (!TracerConfig.jfrInitialized()) {
            return null;
        }
        CloseEvent e = new CloseEvent();
        if (!e.isEnabled()) {
            return null;
        }
        long now = System.nanoTime();
        int unread = 0;
        if (c.rareOrDefaults().resetKind == null && c.endOfStreamNanos == 0 && !c.inputShutdown) {
            unread = Math.max(0, JdkAccess.available(socket));
        }
        CloseInitiator initiator = initiator(c, unread);
        e.initiator = initiator.name();
        e.unreadBytes = unread;
        e.linger = c.rareOrDefaults().linger;
        e.closeWaitTime = c.endOfStreamNanos == 0 ? 0 : now - c.endOfStreamNanos;
        e.lifetime = c.establishedNanos == 0 ? 0 : now - c.establishedNanos;
        e.halfClose = halfClose(c);
        e.tcpStateAfter = tcpStateAfter(initiator);
        e.totalRetransmits = -1;
        TcpInfoProbe probe = TracerConfig.tcpInfo;
        if (probe != null) {
            long[] info = new long[2];
            if (probe.read(JdkAccess.descriptor(socket), info)) {
                e.rtt = info[0];
                e.totalRetransmits = info[1];
            }
        }
        e.begin();
        return e;
    }

    static CloseEvent closeEnd(Object socket, CloseEvent e) {
        Connection c = Connections.peek(socket);
        if (c != null && c.phase == Connection.Phase.CLOSED) {
            // a close inside a failed connect is not the end of the socket's state: the connect's
            // exit still needs it
            Connections.forget(socket);
        }
        if (e == null) {
            return null;
        }
        e.end();
        if (c != null && e.shouldCommit()) {
            fill(e, c);
            e.bytesRead = c.bytesRead;
            e.bytesWritten = c.bytesWritten;
            e.shortWrites = c.rareOrDefaults().shortWrites;
            e.communityId = c.communityId();
            return e;
        }
        return null;
    }

    static void shutdown(Object socket, boolean input) {
        Connection c = adopted(socket);
        if (c.ignored) {
            return;
        }
        if (input) {
            c.inputShutdown = true;
        } else if (c.rareOrDefaults().outputShutdownNanos == 0) {
            c.rare().outputShutdownNanos = System.nanoTime();
        }
        if (!TracerConfig.jfrInitialized()) {
            return;
        }
        ShutdownEvent e = new ShutdownEvent();
        if (e.shouldCommit()) {
            fill(e, c);
            e.shutdownInput = input;
            e.shutdownOutput = !input;
            e.commit();
        }
    }

    static void optionSet(Object socket, String name, String value, Throwable thrown) {
        Connection c = Connections.of(socket);
        if (c.ignored) {
            return;
        }
        if (thrown == null && "SO_LINGER".equals(name)) {
            try {
                c.rare().linger = Integer.parseInt(value);
            } catch (NumberFormatException ignored) {
                if (c.rareOrDefaults().linger != -1) {
                    c.rare().linger = -1;
                }
            }
        }
        if (!TracerConfig.jfrInitialized()) {
            return;
        }
        SocketOptionEvent e = new SocketOptionEvent();
        if (e.shouldCommit()) {
            fill(e, c);
            e.option = name;
            e.value = value;
            e.succeeded = thrown == null;
            e.commit();
        }
    }

    // ---- shared helpers ---------------------------------------------------------------------------

    static CloseInitiator initiator(Connection c, int unreadBytes) {
        if (c.rareOrDefaults().resetKind != null) {
            return CloseInitiator.AFTER_ERROR;
        }
        if (c.rareOrDefaults().linger == 0 || unreadBytes > 0) {
            return CloseInitiator.ABORT;
        }
        long eof = c.endOfStreamNanos;
        long fin = c.rareOrDefaults().outputShutdownNanos;
        if (eof != 0 && (fin == 0 || eof < fin)) {
            return CloseInitiator.PEER;
        }
        return CloseInitiator.LOCAL;
    }

    static String tcpStateAfter(CloseInitiator initiator) {
        switch (initiator) {
            case LOCAL:
                return "TIME_WAIT";
            case PEER:
                return "LAST_ACK";
            default:
                return "CLOSED";
        }
    }

    private static String halfClose(Connection c) {
        boolean in = c.inputShutdown;
        boolean out = c.rareOrDefaults().outputShutdownNanos != 0;
        return in && out ? "BOTH" : in ? "INPUT" : out ? "OUTPUT" : "NONE";
    }

    /** Records the first reset or broken pipe of a connection as a Reset event. */
    static void noteReset(Connection c, Throwable thrown, Operation operation) {
        ResetKind kind = ErrorClassifier.resetKind(thrown);
        if (kind == null || c.rareOrDefaults().resetKind != null) {
            return;
        }
        c.rare().resetKind = kind;
        if (!TracerConfig.jfrInitialized()) {
            return;
        }
        ResetEvent e = new ResetEvent();
        if (e.shouldCommit()) {
            fill(e, c);
            e.kind = kind.name();
            e.operation = operation.name();
            e.bytesRead = c.bytesRead;
            e.bytesWritten = c.bytesWritten;
            e.connectionAge = c.establishedNanos == 0 ? 0 : System.nanoTime() - c.establishedNanos;
            e.endOfStreamSeen = c.endOfStreamNanos != 0;
            e.exceptionClass = thrown.getClass().getName();
            e.exceptionMessage = thrown.getMessage();
            e.commit();
        }
    }

    /**
     * The connection of a socket in use. A socket connected before the agent arrived (late attach)
     * is first seen here: its endpoints are read from the JDK and it counts as connected, with an
     * unknown start.
     */
    static Connection adopted(Object socket) {
        Connection c = Connections.of(socket);
        if (c.phase == Connection.Phase.NEW) {
            SocketAddress remote = JdkAccess.remote(socket);
            if (remote != null) {
                setRemote(c, remote, false);
                captureLocal(socket, c);
                c.phase = Connection.Phase.CONNECTED;
                if (!c.ignored) {
                    OpenSockets.track(socket, c);
                }
            }
        }
        return c;
    }

    /**
     * Sets the remote end. {@code asked} is true when {@code remote} is what the application
     * passed to connect: then its host string is the name the application used.
     */
    static void setRemote(Connection c, SocketAddress remote, boolean asked) {
        if (remote instanceof InetSocketAddress) {
            InetSocketAddress isa = (InetSocketAddress) remote;
            String host = asked ? isa.getHostString() : isa.getAddress() == null ? null : isa.getAddress().getHostAddress();
            c.setRemote(host, isa.getAddress(), isa.getPort());
        } else if (remote != null) {
            c.ignored = true; // a Unix domain socket: no TCP connection to trace
        }
    }

    static void captureLocal(Object socket, Connection c) {
        InetSocketAddress local = JdkAccess.localAddress(socket);
        if (local != null) {
            c.setLocal(local.getAddress(), local.getPort());
        }
    }

    static void fill(ConnectionEvent e, Connection c) {
        e.connectionId = c.id;
        e.host = c.host;
        Addresses.Address remote = c.remote;
        Addresses.Address local = c.local;
        e.address = remote == null ? null : remote.text;
        e.port = c.remotePort;
        e.localAddress = local == null ? null : local.text;
        e.localPort = c.localPort;
    }

    static long nanosToMillis(long nanos) {
        return nanos == Long.MAX_VALUE || nanos <= 0 ? 0 : Math.max(1, nanos / 1_000_000L);
    }
}
