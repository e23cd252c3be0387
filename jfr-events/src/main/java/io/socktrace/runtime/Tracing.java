package io.socktrace.runtime;

import io.socktrace.events.AcceptEvent;
import io.socktrace.events.CloseEvent;
import io.socktrace.events.ConnectEvent;
import io.socktrace.events.ConnectionEvent;
import io.socktrace.events.ListenEvent;
import io.socktrace.events.ResetEvent;
import io.socktrace.events.ShutdownEvent;
import io.socktrace.events.SocketOptionEvent;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * What a socket operation means for the connection and which event it gives, independent of the
 * API it came through ({@code Socket}, {@code SocketChannel}, {@code AsynchronousSocketChannel}).
 * The public tracers translate their JDK class's calls into calls of {@link ConnectTracing}
 * (connect, listen, accept), {@link TransferTracing} (read, write) and {@link CloseTracing}
 * (close, shutdown); this class holds what they share: the connection of a socket first seen in
 * use, its endpoints, the fields every event has, resets and socket options. The tracers catch
 * everything, so code here may throw.
 */
final class Tracing {

    /** The per-connection event classes, initialised ahead by {@link #prepare} (literals: a rename is a compile error). */
    private static final Class<?>[] EVENT_CLASSES = {
        ConnectEvent.class, AcceptEvent.class, ListenEvent.class, CloseEvent.class, ResetEvent.class,
        ShutdownEvent.class, SocketOptionEvent.class,
    };

    private Tracing() {
    }

    /** See {@link TracerConfig#prepareEvents}; JFR must be initialised. */
    static void prepare() {
        TransferTracing.prepareProbes();
        for (Class<?> type : EVENT_CLASSES) {
            try {
                Class.forName(type.getName(), true, type.getClassLoader()); // a class literal does not initialise
            } catch (ClassNotFoundException | LinkageError e) {
                AgentLog.warn("could not initialise " + type.getName() + ": " + e);
            }
        }
    }

    /**
     * Commits an event a tracing method returned, if any. The events of the application's own calls
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

    /** A socket option was set (or failed to be); SO_LINGER decides whether a later close aborts. */
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
        if (e.shouldCommit() && (c.phase == Connection.Phase.LISTENING || Sampling.sampled(c))) {
            fill(e, c);
            e.option = name;
            e.value = value;
            e.succeeded = thrown == null;
            e.commit();
        }
    }


    /** Records the first reset or broken pipe of a connection as a Reset event. */
    static void noteReset(Connection c, Throwable thrown, Operation operation) {
        ResetKind kind = ErrorClassifier.resetKind(thrown);
        if (kind == null || c.rareOrDefaults().resetKind != null) {
            return;
        }
        if (InsideJdk.handling()) {
            noteHandledReset(c, thrown, operation, kind);
            return;
        }
        c.rare().resetKind = kind;
        Endpoint endpoint = c.endpoint;
        if (endpoint != null) {
            endpoint.add(Endpoint.RESETS, 1);
        }
        if (!TracerConfig.jfrInitialized()) {
            return;
        }
        ResetEvent e = new ResetEvent();
        if (e.shouldCommit() && (c.sampling == Connection.SAMPLED || Sampling.allowAbnormal(c, AbnormalKind.RESET))) {
            commitReset(e, c, thrown, operation, kind, false);
        }
    }

    private static void commitReset(ResetEvent e, Connection c, Throwable thrown, Operation operation, ResetKind kind, boolean handled) {
        fill(e, c);
        e.kind = kind.name();
        e.operation = operation.name();
        e.bytesRead = c.bytesRead;
        e.bytesWritten = c.bytesWritten;
        e.connectionAge = c.establishedNanos == 0 ? 0 : System.nanoTime() - c.establishedNanos;
        e.endOfStreamSeen = c.endOfStreamNanos != 0;
        e.exceptionClass = thrown.getClass().getName();
        e.exceptionMessage = thrown.getMessage();
        e.handledByJdk = handled;
        // what the kernel knew when the failure surfaced: a vanished peer's silence, its retransmissions
        e.totalRetransmits = -1;
        e.unansweredProbes = -1;
        TcpInfoProbe probe = TracerConfig.tcpInfo;
        if (probe != null) {
            long[] info = new long[4];
            if (probe.read(c.descriptor(), info)) {
                e.totalRetransmits = info[1];
                e.sinceLastAck = info[2];
                e.unansweredProbes = (int) info[3];
            }
        }
        e.commit();
    }

    /**
     * A reset or broken pipe the JDK met and kept to itself (a TLS close writing close_notify to a
     * peer already gone). Proof that the peer closed first; not a failure of the connection: not
     * counted as a reset, no AFTER_ERROR close, and recorded only as part of a recorded
     * connection's story, never as an abnormal event on its own.
     */
    private static void noteHandledReset(Connection c, Throwable thrown, Operation operation, ResetKind kind) {
        Connection.Rare rare = c.rare();
        if (rare.handledFailure) {
            return;
        }
        rare.handledFailure = true;
        // a broken pipe after our own shutdownOutput proves nothing about the peer
        rare.peerGoneInJdk = rare.outputShutdownNanos == 0;
        if (!TracerConfig.jfrInitialized() || !(c.recorded || c.sampling == Connection.SAMPLED)) {
            return;
        }
        ResetEvent e = new ResetEvent();
        if (e.shouldCommit()) {
            commitReset(e, c, thrown, operation, kind, true);
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
                    // whether it was connected or accepted is not known: counted by its remote end
                    c.endpoint = Endpoints.remote(c.host, c.remote, c.remotePort);
                    Sampling.decide(c, false);
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
        SharedAddresses.Address remote = c.remote;
        SharedAddresses.Address local = c.local;
        e.address = remote == null ? null : remote.text;
        e.port = c.remotePort;
        e.localAddress = local == null ? null : local.text;
        e.localPort = c.localPort;
    }

    static long nanosToMillis(long nanos) {
        return nanos == Long.MAX_VALUE || nanos <= 0 ? 0 : Math.max(1, nanos / 1_000_000L);
    }
}
