package io.socktrace.runtime;

import io.socktrace.events.AcceptEvent;
import io.socktrace.events.ConnectEvent;
import io.socktrace.events.ListenEvent;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * How a connection comes to be: a connect (with the local address the JDK itself looked up inside
 * it), a listen and an accept, and the events they give. Called by the API tracers (see
 * {@link Tracing}).
 */
final class ConnectTracing {

    /**
     * This thread's connect in progress: how deep it is inside connect calls (a close seen there is
     * the JDK's own clean-up), and the local address the JDK itself asked the kernel for when the
     * connection was established ({@code NioSocketImpl.endConnect} calls {@code Net.localAddress}
     * and keeps only the port), so that recording it needs no second getsockname.
     */
    private static final class ConnectScope {
        int depth;
        InetSocketAddress localSeen;
        /** A library's own connect timeout, about to close its pending connect (see {@link #applicationTimedOut}). */
        Throwable timeout;
        long timeoutNanos;
    }

    /** How long a library's connect-timeout exception waits for the close of the connect it ends. */
    private static final long TIMEOUT_CLOSE_WITHIN_NANOS = 1_000_000_000L;

    private static final ThreadLocal<ConnectScope> CONNECT_SCOPE = ThreadLocal.withInitial(ConnectScope::new);

    private ConnectTracing() {
    }

    static void enterConnect() {
        ConnectScope scope = CONNECT_SCOPE.get();
        scope.depth++;
        scope.localSeen = null;
    }

    static void leaveConnect() {
        CONNECT_SCOPE.get().depth--;
    }

    static boolean insideConnect() {
        return CONNECT_SCOPE.get().depth > 0;
    }

    /** The JDK asked the kernel for a socket's local address (sun.nio.ch.Net.localAddress returned). */
    static void localAddressReturned(InetSocketAddress local) {
        ConnectScope scope = CONNECT_SCOPE.get();
        if (scope.depth > 0) {
            scope.localSeen = local;
        }
    }

    /**
     * A library's own connect timeout fired on this thread: Netty's timeout task makes its
     * {@code ConnectTimeoutException} ("connection timed out after 1000 ms: …"), fails the
     * connect's promise with it and closes the channel, all on the event loop, so the close of a
     * pending connect that follows on this thread is that timeout, not a plain close.
     */
    static void applicationTimedOut(Throwable timeout) {
        ConnectScope scope = CONNECT_SCOPE.get();
        scope.timeout = timeout;
        scope.timeoutNanos = System.nanoTime();
    }

    /** The connect timeout {@link #applicationTimedOut} noted on this thread just before, once; or null. */
    static Throwable takeApplicationTimeout() {
        ConnectScope scope = CONNECT_SCOPE.get();
        Throwable timeout = scope.timeout;
        if (timeout == null) {
            return null;
        }
        scope.timeout = null;
        return System.nanoTime() - scope.timeoutNanos < TIMEOUT_CLOSE_WITHIN_NANOS ? timeout : null;
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
        c.establishedNanos = System.nanoTime(); // the connect's start, until it is established
        Tracing.setRemote(c, remote, true);
        if (TracerConfig.openingStacks && !c.ignored) {
            c.rare().openingStack = new OpeningStack();
        }
        if (!c.ignored) {
            if (c.endpoint == null) {
                c.endpoint = Endpoints.remote(c.host, c.remote, c.remotePort);
            }
            // sampled when it connects (connectDone): a failing connect must not use up the sample
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
     * A connect attempt ended: connected, or failed with {@code thrown}. Returns the event for the
     * caller to commit (see {@link Tracing#commit}), or null.
     */
    static ConnectEvent connectDone(Object socket, Connection c, ConnectEvent e, boolean blocking, Throwable thrown) {
        if (c.ignored) {
            return null;
        }
        long now = System.nanoTime();
        long latency = c.phase == Connection.Phase.CONNECTING && c.establishedNanos != 0 ? now - c.establishedNanos : 0;
        ConnectOutcome outcome = ErrorClassifier.connect(thrown);
        Endpoint endpoint = c.endpoint;
        if (endpoint != null) {
            endpoint.connectEnded(outcome, latency);
        }
        if (thrown == null) {
            c.phase = Connection.Phase.CONNECTED;
            c.establishedNanos = now;
            Transports.established(socket);
            Sampling.decide(c, false);
            InetSocketAddress seen = socket instanceof java.net.SocketImpl ? takeLocalSeenInConnect() : null;
            if (seen != null && seen.getPort() != 0 && seen.getAddress() != null) {
                c.setLocal(seen.getAddress(), seen.getPort());
            } else {
                Tracing.captureLocal(socket, c);
            }
            OpenSockets.track(socket, c);
        } else {
            c.phase = Connection.Phase.FAILED;
            OpenSockets.untrack(c);
            if (c.rareOrDefaults().openingStack != null) {
                c.rare().openingStack = null;
            }
        }
        if (e != null) {
            e.end();
        }
        boolean record = e != null && e.shouldCommit() && recordConnect(c, thrown != null, latency >= Sampling.slowConnectNanos);
        if (thrown != null) {
            c.releaseEndpoint(); // after the rate check, which counts on the endpoint
        }
        if (!record) {
            return null;
        }
        c.recorded = true;
        {
            Tracing.fill(e, c);
            e.blocking = blocking;
            e.outcome = outcome.name();
            if (thrown != null) {
                e.exceptionClass = thrown.getClass().getName();
                e.exceptionMessage = thrown.getMessage();
            }
            e.communityId = c.communityId();
            return e;
        }
    }

    /**
     * A non-blocking-capable {@code connect} returned {@code connected} or threw: done (the event to
     * commit, or null), or, when it returned false, in progress until {@link #finishReturned} or
     * the close (the event waits in the connection).
     */
    static ConnectEvent connectReturned(Object socket, Connection c, ConnectEvent e, boolean connected, boolean blocking,
                                        Throwable thrown) {
        if (thrown == null && !connected) {
            Connection.Rare rare = c.rare();
            rare.pendingConnect = e; // completes in finishConnect, or ends with the close
            rare.connectPending = true;
            return null;
        }
        return connectDone(socket, c, e, blocking, thrown);
    }

    /**
     * {@code finishConnect} returned {@code connected} or threw: the pending connect's event to
     * commit, or null while it is still in progress or was finished already (finishConnect is
     * idempotent).
     */
    static ConnectEvent finishReturned(Object socket, Connection c, boolean connected, boolean blocking, Throwable thrown) {
        if (c.phase != Connection.Phase.CONNECTING || (thrown == null && !connected)) {
            return null;
        }
        Connection.Rare rare = c.rareOrDefaults();
        ConnectEvent e = rare.pendingConnect;
        if (e != null) {
            rare.pendingConnect = null;
        }
        if (rare.connectPending) {
            rare.connectPending = false;
        }
        return connectDone(socket, c, e, blocking, thrown);
    }

    /**
     * Whether a connect (or an accept) that ended is recorded: a failed one within the abnormal
     * rate, sampled or not (a refused storm stays within its rate); a successful one when sampled,
     * or when slow within the abnormal rate; a normal one that was not sampled never (it is
     * counted as not recorded on its endpoint).
     */
    static boolean recordConnect(Connection c, boolean failed, boolean slow) {
        if (!failed && c.sampling == Connection.SAMPLED) {
            return true;
        }
        if (failed || slow) {
            Endpoint endpoint = c.endpoint;
            return Sampling.allowAbnormal(c, endpoint != null && endpoint.role == Endpoint.Role.LISTENER ? AbnormalKind.ACCEPT : AbnormalKind.CONNECT);
        }
        Endpoint endpoint = c.endpoint;
        if (endpoint != null) {
            endpoint.add(Endpoint.CONNECTIONS_NOT_RECORDED, 1);
        }
        return false;
    }

    static void listened(Object socket, int backlog) {
        Connection c = Connections.of(socket);
        c.phase = Connection.Phase.LISTENING;
        c.rare().backlog = backlog;
        c.establishedNanos = System.nanoTime();
        Tracing.captureLocal(socket, c);
        if (c.local == null && c.localPort == 0) {
            return; // not an IP socket (Unix domain): nothing to record
        }
        if (TracerConfig.openingStacks) {
            c.rare().openingStack = new OpeningStack();
        }
        listenerEndpoint(c);
        OpenSockets.track(socket, c);
        if (!TracerConfig.jfrInitialized()) {
            return;
        }
        ListenEvent e = new ListenEvent();
        if (e.shouldCommit()) {
            Tracing.fill(e, c);
            e.backlog = backlog;
            e.effectiveBacklog = Math.min(backlog < 1 ? 50 : backlog, TracerConfig.maxBacklog);
            e.commit();
        }
    }

    /**
     * The statistics endpoint of a listener, made when it is first needed (at listen, or at its
     * first accept when the agent arrived after the listen); held by the listener until it closes.
     */
    private static Endpoint listenerEndpoint(Connection l) {
        Endpoint e = l.endpoint;
        if (e == null) {
            synchronized (l) {
                e = l.endpoint;
                if (e == null && (l.local != null || l.localPort > 0)) {
                    e = Endpoints.listener(l.local, l.localPort);
                    l.endpoint = e;
                }
            }
        }
        return e;
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
        Connection l = Connections.of(listener);
        Endpoint listening = l.ignored ? null : listenerEndpoint(l);
        if (accepted != null) {
            c = Connections.of(accepted);
            Tracing.setRemote(c, remote, false);
            if (c.ignored) {
                return null;
            }
            c.phase = Connection.Phase.CONNECTED;
            c.establishedNanos = System.nanoTime();
            Transports.established(accepted);
            if (listening != null && c.endpoint == null && listening.hold()) {
                c.endpoint = listening;
                listening.add(Endpoint.ACCEPTED, 1);
            }
            Sampling.decide(c, true);
            if (l.local != null && l.localPort > 0 && !l.local.address.isAnyLocalAddress()) {
                // A listener bound to one address: every connection it accepts has that local
                // address and port, so no getsockname (a system call per accept) is needed.
                c.local = l.local;
                c.localPort = l.localPort;
            } else {
                Tracing.captureLocal(accepted, c);
            }
            if (TracerConfig.openingStacks) {
                c.rare().openingStack = new OpeningStack();
            }
            OpenSockets.track(accepted, c);
        } else if (thrown == null) {
            return null;
        } else if (listening != null) {
            listening.add(Endpoint.ACCEPT_FAILURES, 1);
        }
        if (e == null || l.ignored) {
            return null;
        }
        e.end();
        if (e.shouldCommit() && (c != null ? recordConnect(c, false, false) : Sampling.allowAbnormal(l, AbnormalKind.ACCEPT))) {
            if (c != null) {
                c.recorded = true;
                Tracing.fill(e, c);
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
}
