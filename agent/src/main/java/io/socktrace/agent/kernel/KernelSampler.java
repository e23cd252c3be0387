package io.socktrace.agent.kernel;

import io.socktrace.events.ListenQueueEvent;
import io.socktrace.events.NetworkStatisticsEvent;
import io.socktrace.events.TcpInfoEvent;
import io.socktrace.runtime.AgentLog;
import io.socktrace.runtime.Connection;
import io.socktrace.runtime.OpenSockets;
import io.socktrace.runtime.TcpInfoProbe;
import io.socktrace.runtime.TracerConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import jdk.jfr.FlightRecorder;

/**
 * The kernel's view of this JVM's sockets, as the periodic events {@code socktrace.TcpInfo},
 * {@code socktrace.ListenQueue} and {@code socktrace.NetworkStatistics}. Their periods are JFR
 * settings; JFR calls the hooks on its periodic-task thread, never on an application thread.
 * The three hooks of one period share one snapshot, so each /proc file is read once per period.
 *
 * <p>Rows of /proc/net/tcp{,6} are matched to the connections socktrace tracks by their ports and
 * addresses (IPv4-mapped addresses compared in their IPv4 form), which needs no readlink of every
 * descriptor. The sockets ports cannot tell apart are matched by the inode of their descriptor
 * instead, one readlink of /proc/self/fd each: sockets still connecting (their local port is not
 * known yet) and listeners sharing a port (SO_REUSEPORT).
 */
public final class KernelSampler {

    /**
     * Hooks firing within this time of the end of a snapshot reuse it: JFR calls the hooks of one
     * period one after another. Counted from the end because a snapshot of a busy host takes long:
     * 28,000 TIME_WAIT rows took ~150 ms to read, and counting from its start made each of the
     * three hooks read /proc again (three times the cost, 7 % of the CPU in a churn benchmark).
     */
    static final long FRESH_NANOS = 100_000_000L;
    /**
     * A snapshot may cost at most this share of the time since the previous one (0.5 % of a core):
     * the kernel prints every TCP socket of the host into /proc/net/tcp6, TIME_WAIT ones included,
     * so a host churning connections makes each read dear (120,000 rows: ~150 ms, 1.5 % of a core
     * at a 10 s period, more than the whole rest of the agent in a churn). Beyond the budget a
     * period is skipped (its kernel events are not written) rather than the cost paid, with the
     * production defaults (see {@link #budgeted}) and only for a snapshot of {@link #COSTLY_NANOS} or more.
     */
    static final long COST_SHARE_DIVISOR = 200;
    /** Below this a snapshot is cheap whatever the period (an almost empty table costs ~5 ms to read). */
    static final long COSTLY_NANOS = 20_000_000L;
    private static final String[] SNMP_KEYS = {"Tcp:RetransSegs", "Tcp:EstabResets", "Tcp:OutRsts", "Tcp:ActiveOpens",
        "Tcp:PassiveOpens"};
    private static final String[] NETSTAT_KEYS = {"TcpExt:ListenOverflows", "TcpExt:ListenDrops"};

    private final ProcFiles files = new ProcFiles();
    private final TcpInfoProbe tcpInfo;
    private final long[] nativeInfo = new long[2];
    private final TcpTable table = new TcpTable();
    private final SnmpCounters snmp = new SnmpCounters(SNMP_KEYS);
    private final SnmpCounters netstat = new SnmpCounters(NETSTAT_KEYS);
    private final long[] snmpValues = new long[SNMP_KEYS.length];
    private final long[] netstatValues = new long[NETSTAT_KEYS.length];
    private long[] previousCounters;

    // the snapshot
    private final LongSupplier clock;
    private long snapshots;
    private long takenAt;
    private long sampleCost;
    private long skipped;
    private boolean budgetReported;
    private boolean budgetAlways;
    private final List<Sample> matched = new ArrayList<>();
    private final long[] stateCounts = new long[TcpState.values().length];
    private long[] counterDeltas = new long[SNMP_KEYS.length + NETSTAT_KEYS.length];
    private long openDescriptors;
    private long maxDescriptors;
    private int tracked;

    /** One of our sockets as the kernel saw it in the snapshot. */
    private static final class Sample {
        final Connection connection;
        final TcpState state;
        final long sendQueue;
        final long receiveQueue;
        final int retransmits;
        final String timer;
        final long timerMillis;
        /** The row's local address and port, for a socket still connecting (its own are not known yet); else null, 0. */
        final String rowLocalAddress;
        final int rowLocalPort;

        Sample(Connection connection, TcpTable.Row row) {
            this.connection = connection;
            this.state = row.state();
            this.sendQueue = row.sendQueue();
            this.receiveQueue = row.receiveQueue();
            this.retransmits = row.retransmits();
            this.timer = row.timerKind().label();
            this.timerMillis = row.timerMillis();
            if (connection.localPort() <= 0) {
                this.rowLocalAddress = text(row.localAddress(), row.localAddressLength());
                this.rowLocalPort = row.localPort();
            } else {
                this.rowLocalAddress = null;
                this.rowLocalPort = 0;
            }
        }
    }

    KernelSampler(TcpInfoProbe tcpInfo, LongSupplier clock) {
        this.tcpInfo = tcpInfo;
        this.clock = clock;
    }

    /**
     * Registers the three periodic events with JFR; {@code tcpInfo} (null where TCP_INFO is not
     * available) adds rtt and total retransmits to TcpInfo.
     */
    public static void start(TcpInfoProbe tcpInfo) {
        try {
            register(tcpInfo);
        } catch (Throwable t) {
            AgentLog.error("starting the kernel sampler", t);
        }
    }

    private static void register(TcpInfoProbe tcpInfo) {
        KernelSampler sampler = new KernelSampler(tcpInfo, System::nanoTime);
        FlightRecorder.addPeriodicEvent(TcpInfoEvent.class, sampler::emitTcpInfo);
        FlightRecorder.addPeriodicEvent(ListenQueueEvent.class, sampler::emitListenQueues);
        FlightRecorder.addPeriodicEvent(NetworkStatisticsEvent.class, sampler::emitNetworkStatistics);
    }

    synchronized void emitTcpInfo() {
        try {
            if (!refresh()) {
                return;
            }
            for (Sample s : matched) {
                if (s.state == TcpState.LISTEN || (s.state == TcpState.ESTABLISHED && s.sendQueue == 0 && s.receiveQueue == 0)) {
                    continue; // idle established rows are the normal case, not news
                }
                TcpInfoEvent e = new TcpInfoEvent();
                s.connection.describe(e);
                if (s.rowLocalPort > 0) {
                    e.localAddress = s.rowLocalAddress;
                    e.localPort = s.rowLocalPort;
                }
                e.state = s.state.name();
                e.sendQueue = s.sendQueue;
                e.receiveQueue = s.receiveQueue;
                e.retransmitTimeouts = s.retransmits;
                e.timer = s.timer;
                e.timerExpires = s.timerMillis;
                e.totalRetransmits = -1;
                if (tcpInfo != null && tcpInfo.read(s.connection.descriptor(), nativeInfo)) {
                    e.rtt = nativeInfo[0];
                    e.totalRetransmits = nativeInfo[1];
                }
                e.commit();
            }
        } catch (Throwable t) {
            AgentLog.error("TcpInfo sample", t);
        }
    }

    synchronized void emitListenQueues() {
        try {
            if (!refresh()) {
                return;
            }
            for (Sample s : matched) {
                if (s.state != TcpState.LISTEN) {
                    continue;
                }
                ListenQueueEvent e = new ListenQueueEvent();
                s.connection.describe(e);
                int backlog = s.connection.backlog();
                int effective = Math.min(backlog < 1 ? 50 : backlog, TracerConfig.maxBacklog());
                e.queueLength = s.receiveQueue;
                e.backlog = backlog;
                e.effectiveBacklog = effective;
                e.full = s.receiveQueue > effective; // Linux queues one more than the backlog before it drops
                e.commit();
            }
        } catch (Throwable t) {
            AgentLog.error("ListenQueue sample", t);
        }
    }

    synchronized void emitNetworkStatistics() {
        try {
            if (!refresh()) {
                return;
            }
            NetworkStatisticsEvent e = new NetworkStatisticsEvent();
            e.openFileDescriptors = openDescriptors;
            e.maxFileDescriptors = maxDescriptors;
            e.trackedSockets = tracked;
            e.established = count(TcpState.ESTABLISHED);
            e.synSent = count(TcpState.SYN_SENT);
            e.synReceived = count(TcpState.SYN_RECV);
            e.finWait1 = count(TcpState.FIN_WAIT1);
            e.finWait2 = count(TcpState.FIN_WAIT2);
            long[] ports = io.socktrace.runtime.Endpoints.localPortUse();
            e.timeWait = ports[0]; // not the sampled rows: a TIME_WAIT row has no inode to find its JVM by
            e.localPortsInUse = ports[0] + ports[1];
            e.localPortRange = io.socktrace.runtime.Endpoints.localPortRangeSize();
            e.closeWait = count(TcpState.CLOSE_WAIT);
            e.lastAck = count(TcpState.LAST_ACK);
            e.closing = count(TcpState.CLOSING);
            e.listening = count(TcpState.LISTEN);
            e.retransmittedSegments = counterDeltas[0];
            e.establishedResets = counterDeltas[1];
            e.resetsSent = counterDeltas[2];
            e.activeOpens = counterDeltas[3];
            e.passiveOpens = counterDeltas[4];
            e.listenOverflows = counterDeltas[5];
            e.listenDrops = counterDeltas[6];
            e.sampleCost = sampleCost;
            e.commit();
        } catch (Throwable t) {
            AgentLog.error("NetworkStatistics sample", t);
        }
    }

    private long count(TcpState state) {
        return stateCounts[state.ordinal()];
    }

    /**
     * Takes a new snapshot unless one was taken for this period already; false when this period
     * is skipped because the previous snapshot cost more than its share ({@link #COST_SHARE_DIVISOR}).
     */
    private boolean refresh() throws IOException {
        long start = clock.getAsLong();
        if (snapshots > 0 && start - takenAt < FRESH_NANOS) {
            return true;
        }
        // the first snapshot is cold (classes loading, code interpreted): its cost budgets nothing
        if (snapshots > 1 && budgeted() && sampleCost >= COSTLY_NANOS && start - takenAt < sampleCost * COST_SHARE_DIVISOR) {
            skipped++;
            if (!budgetReported) {
                budgetReported = true;
                AgentLog.info("reading /proc took " + sampleCost / 1_000_000 + " ms (the host's TCP table is large): "
                        + "TcpInfo, ListenQueue and NetworkStatistics are sampled less often, keeping the cost under 0.5 % of a core");
            }
            return false;
        }
        snapshots++;
        matched.clear();
        Arrays.fill(stateCounts, 0);

        Map<Long, Object> byPorts = new HashMap<>();
        List<Connection> connecting = new ArrayList<>();
        int[] count = new int[1];
        OpenSockets.forEach(c -> {
            count[0]++;
            if (c.localPort() <= 0) {
                connecting.add(c); // no local port before the connect returns: found by inode below
                return;
            }
            long key = ((long) c.localPort() << 16) | (c.isListening() ? 0 : c.remotePort());
            Object previous = byPorts.putIfAbsent(key, c);
            if (previous != null) {
                List<Connection> list;
                if (previous instanceof Connection) {
                    list = new ArrayList<>();
                    list.add((Connection) previous);
                    byPorts.put(key, list);
                } else {
                    @SuppressWarnings("unchecked")
                    List<Connection> existing = (List<Connection>) previous;
                    list = existing;
                }
                list.add(c);
            }
        });
        tracked = count[0];
        // Sockets a 4-tuple cannot tell apart, found by the inode of their descriptor instead: ones
        // still connecting (SYN_SENT, local port unknown), and listeners sharing a port
        // (SO_REUSEPORT: the same address and port, each with its own queue). A readlink each, on
        // this thread; there are few of them.
        Map<Long, Connection> byInode = new HashMap<>();
        for (Connection c : connecting) {
            putInode(byInode, c);
        }
        for (Object candidates : byPorts.values()) {
            if (candidates instanceof List) {
                @SuppressWarnings("unchecked")
                List<Connection> list = (List<Connection>) candidates;
                for (Connection c : list) {
                    if (c.isListening()) {
                        putInode(byInode, c);
                    }
                }
            }
        }
        java.util.Set<Connection> byInodeOnly = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        byInodeOnly.addAll(byInode.values());
        TcpTable.RowVisitor visitor = row -> {
            if (!byInode.isEmpty() && row.inode() != 0) {
                Connection c = byInode.get(row.inode());
                if (c != null) {
                    record(c, row);
                    return;
                }
            }
            if (row.inode() == 0) {
                // no descriptor holds it: a socket closed by now (TIME_WAIT, an orphaned FIN_WAIT or
                // LAST_ACK), perhaps one of ours that closed between the snapshot and this read
                return;
            }
            boolean listening = row.state() == TcpState.LISTEN;
            Object found = byPorts.get(((long) row.localPort() << 16) | (listening ? 0 : row.remotePort()));
            if (found == null) {
                return;
            }
            if (found instanceof Connection) {
                if (!byInodeOnly.contains(found)) {
                    match((Connection) found, row, listening);
                }
            } else {
                @SuppressWarnings("unchecked")
                List<Connection> list = (List<Connection>) found;
                for (Connection c : list) {
                    if (!byInodeOnly.contains(c) && match(c, row, listening)) {
                        break;
                    }
                }
            }
        };
        parseTable("/proc/net/tcp", visitor);
        parseTable("/proc/net/tcp6", visitor);

        try {
            int n = files.read("/proc/self/limits");
            maxDescriptors = ProcLimits.parse(files.buffer(), n).openFilesSoft();
            n = files.read("/proc/net/snmp");
            snmp.read(files.buffer(), n, snmpValues);
            n = files.read("/proc/net/netstat");
            netstat.read(files.buffer(), n, netstatValues);
            int entries = ProcFiles.countEntries("/proc/self/fd");
            // less the one the listing itself holds open; a listing of our own /proc directory fails
            // only when no descriptor is left for it, which means we are at the limit
            openDescriptors = entries >= 0 ? entries - 1 : maxDescriptors;
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("Too many open files")) {
                throw e;
            }
            // the process is at its descriptor limit: that is the finding, not a sampler failure
            openDescriptors = maxDescriptors;
            Arrays.fill(snmpValues, -1);
            Arrays.fill(netstatValues, -1);
        }
        long[] now = new long[SNMP_KEYS.length + NETSTAT_KEYS.length];
        System.arraycopy(snmpValues, 0, now, 0, SNMP_KEYS.length);
        System.arraycopy(netstatValues, 0, now, SNMP_KEYS.length, NETSTAT_KEYS.length);
        counterDeltas = new long[now.length];
        for (int i = 0; i < now.length; i++) {
            counterDeltas[i] = previousCounters == null || now[i] < 0 || previousCounters[i] < 0 ? 0 : now[i] - previousCounters[i];
        }
        previousCounters = now;
        takenAt = clock.getAsLong();
        sampleCost = takenAt - start;
        return true;
    }

    /**
     * Whether the cost budget applies: with the production defaults (connections sampled); a
     * session that records every connection (profile) asked for every period, whatever it costs.
     */
    private boolean budgeted() {
        return budgetAlways || io.socktrace.runtime.Sampling.connectionsPerSecond() > 0;
    }

    /** For tests: apply the budget without consulting the runtime's sampling. */
    void budgetAlways() {
        budgetAlways = true;
    }

    /** Periods skipped to keep within the cost budget; for tests. */
    synchronized long skipped() {
        return skipped;
    }

    /** Snapshots of /proc taken so far. */
    synchronized long snapshots() {
        return snapshots;
    }

    private void parseTable(String path, TcpTable.RowVisitor visitor) {
        try {
            int n = files.read(path);
            table.parse(files.buffer(), n, visitor);
        } catch (IOException e) {
            // no IPv6 (or no IPv4) in this kernel, or no descriptor left to open it: no rows this time
        }
    }

    private boolean match(Connection c, TcpTable.Row row, boolean listening) {
        if (listening != c.isListening()) {
            return false;
        }
        byte[] local = c.localAddressBytes();
        if (local != null ? !row.localMatches(local, c.localPort()) : !wildcard(row)) {
            return false;
        }
        if (!listening) {
            byte[] remote = c.remoteAddressBytes();
            if (remote == null || !row.remoteMatches(remote, c.remotePort())) {
                return false;
            }
        }
        record(c, row);
        return true;
    }

    private void record(Connection c, TcpTable.Row row) {
        matched.add(new Sample(c, row));
        stateCounts[row.state().ordinal()]++;
    }

    /** Adds the inode of {@code c}'s socket, read from /proc/self/fd, if its descriptor is still open. */
    private static void putInode(Map<Long, Connection> byInode, Connection c) {
        int fd = c.descriptor();
        if (fd < 0) {
            return;
        }
        try {
            String link = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/" + fd)).toString();
            if (link.startsWith("socket:[") && link.endsWith("]")) {
                byInode.put(Long.parseLong(link.substring(8, link.length() - 1)), c);
            }
        } catch (IOException | RuntimeException e) {
            // closed meanwhile, or no /proc: this socket is not sampled this time
        }
    }

    /** An address of a /proc row as text, as InetAddress writes it (IPv4-mapped as IPv4); no lookup. */
    private static String text(byte[] address, int length) {
        try {
            return java.net.InetAddress.getByAddress(java.util.Arrays.copyOf(address, length)).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            return null;
        }
    }

    private static boolean wildcard(TcpTable.Row row) {
        byte[] a = row.localAddress();
        for (int i = 0; i < row.localAddressLength(); i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
