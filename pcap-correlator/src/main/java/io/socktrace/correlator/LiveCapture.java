package io.socktrace.correlator;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import io.socktrace.correlator.capture.PacketCursor;
import org.pcap4j.core.BpfProgram;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.RawPacketListener;
import org.pcap4j.core.PcapDumper;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNetworkInterface;
import org.pcap4j.core.PcapStat;
import org.pcap4j.core.Pcaps;

/**
 * {@code capture}: records packets from an interface into a pcap file with nanosecond stamps,
 * through libpcap (pcap4j), for a fixed time. Packets are dumped as they come, never decoded.
 * The capture loop is ended by {@code breakLoop()} from a timer: {@code getNextPacket} with a read
 * timeout was seen to block forever once traffic stopped (JDK-NOTES). Needs root or CAP_NET_RAW.
 */
final class LiveCapture {

    /**
     * Holds each packet until a scan of the process's sockets, started after the packet arrived,
     * says whether one of its ports is the process's; then writes it or leaves it out. Runs on
     * the capture loop's thread; scans arrive from the timer thread through a concurrent map.
     */
    static final class PortFilter implements RawPacketListener {
        private final PcapHandle handle;
        private final PcapDumper dumper;
        private final int linkType;
        private final java.util.Map<Integer, Long> known = new java.util.concurrent.ConcurrentHashMap<>();
        private volatile long lastScanNanos = System.nanoTime();
        private final java.util.ArrayDeque<Held> held = new java.util.ArrayDeque<>();
        private final PacketCursor cursor = new PacketCursor();
        volatile boolean processGone;
        long kept;
        long skipped;

        private static final class Held {
            final byte[] bytes;
            final java.sql.Timestamp stamp;
            final long arrivedNanos;
            final int sourcePort;
            final int destinationPort;

            Held(byte[] bytes, java.sql.Timestamp stamp, long arrivedNanos, int sourcePort, int destinationPort) {
                this.bytes = bytes;
                this.stamp = stamp;
                this.arrivedNanos = arrivedNanos;
                this.sourcePort = sourcePort;
                this.destinationPort = destinationPort;
            }
        }

        PortFilter(PcapHandle handle, PcapDumper dumper) {
            this.handle = handle;
            this.dumper = dumper;
            this.linkType = handle.getDlt().value();
        }

        void learn(java.util.Set<Integer> ports) {
            long now = System.nanoTime();
            for (Integer port : ports) {
                known.put(port, now);
            }
            known.values().removeIf(seen -> now - seen > PORT_MEMORY_NANOS);
            lastScanNanos = now;
        }

        java.util.Set<Integer> knownPorts() {
            return new java.util.TreeSet<>(known.keySet());
        }

        @Override
        public void gotPacket(byte[] packet) {
            long now = System.nanoTime();
            cursor.decode(linkType, java.nio.ByteBuffer.wrap(packet), 0);
            held.add(new Held(packet, handle.getTimestamp(), now, cursor.sourcePort(), cursor.destinationPort()));
            flush(held.size() > MAX_HELD ? Long.MAX_VALUE : now);
        }

        /** Decides every held packet that a scan has covered (all of them with {@code Long.MAX_VALUE}). */
        void flush(long now) {
            long scanned = lastScanNanos;
            while (!held.isEmpty()) {
                Held h = held.peek();
                boolean covered = now == Long.MAX_VALUE || (scanned > h.arrivedNanos && now - h.arrivedNanos >= HOLD_NANOS);
                if (!covered) {
                    return;
                }
                held.poll();
                if (known.containsKey(h.sourcePort) || known.containsKey(h.destinationPort)) {
                    try {
                        dumper.dumpRaw(h.bytes, h.stamp);
                        kept++;
                    } catch (NotOpenException e) {
                        skipped++;
                    }
                } else {
                    skipped++;
                }
            }
        }
    }

    /** 128 bytes hold every header the correlator reads; payload bytes are never needed. */
    static final int SNAPLEN = 128;

    private LiveCapture() {
    }

    /** How long a packet waits for the next scan of the process's sockets before it is kept or dropped. */
    static final long HOLD_NANOS = 300_000_000L;
    /** Time between two scans of the process's sockets. */
    static final long SCAN_MILLIS = 100;
    /** A port stays the process's this long after its socket was last seen (FIN, TIME_WAIT, last ACKs). */
    static final long PORT_MEMORY_NANOS = 10_000_000_000L;
    /** Packets held at most while waiting for a scan; beyond this the oldest are decided early. */
    static final int MAX_HELD = 200_000;

    static int run(String interfaceName, Path out, String filter, long durationMillis, PrintStream stdout, PrintStream err) {
        return run(interfaceName, out, filter, durationMillis, 0, stdout, err);
    }

    /**
     * Captures for {@code durationMillis}; with {@code pid > 0} keeps only packets on the ports of
     * that process's TCP sockets. Its sockets are scanned every {@link #SCAN_MILLIS} and each
     * packet is held for {@link #HOLD_NANOS}, so the SYN of a connection the process opens is
     * kept once a scan has seen the new socket. A socket that opens and closes between two scans
     * (a refused connect) is missed unless another socket of the process uses one of its ports.
     */
    static int run(String interfaceName, Path out, String filter, long durationMillis, long pid, PrintStream stdout, PrintStream err) {
        PcapHandle handle = null;
        PcapDumper dumper = null;
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "capture-timer");
            t.setDaemon(true);
            return t;
        });
        try {
            PcapNetworkInterface device = Pcaps.getDevByName(interfaceName);
            if (device == null) {
                List<PcapNetworkInterface> all = Pcaps.findAllDevs();
                err.println("socktrace-correlator: capture: no interface '" + interfaceName + "' (available: "
                        + all.stream().map(PcapNetworkInterface::getName).collect(Collectors.joining(", ")) + ")");
                return Main.USAGE_ERROR;
            }
            handle = new PcapHandle.Builder(interfaceName).snaplen(SNAPLEN).timeoutMillis(100)
                    .promiscuousMode(PcapNetworkInterface.PromiscuousMode.NONPROMISCUOUS)
                    .timestampPrecision(PcapHandle.TimestampPrecision.NANO).build();
            JvmPorts process = pid > 0 ? new JvmPorts(pid) : null;
            if (process != null && !process.alive()) {
                err.println("socktrace-correlator: capture: no process " + pid + " (or its /proc/" + pid + "/fd is not readable)");
                return Main.USAGE_ERROR;
            }
            String bpf = process == null ? filter : filter == null ? "tcp" : "tcp and (" + filter + ")";
            if (bpf != null) {
                handle.setFilter(bpf, BpfProgram.BpfCompileMode.OPTIMIZE);
            }
            dumper = handle.dumpOpen(out.toString());
            PcapHandle running = handle;
            PortFilter ports = null;
            if (process != null) {
                ports = new PortFilter(handle, dumper);
                PortFilter scanning = ports;
                scanning.learn(process.scan());
                timer.scheduleWithFixedDelay(() -> {
                    if (!process.alive()) {
                        scanning.processGone = true;
                        try {
                            running.breakLoop();
                        } catch (Exception e) {
                            // the loop has ended already
                        }
                        return;
                    }
                    scanning.learn(process.scan());
                }, SCAN_MILLIS, SCAN_MILLIS, TimeUnit.MILLISECONDS);
            }
            timer.schedule(() -> {
                try {
                    running.breakLoop();
                } catch (Exception e) {
                    // the loop has ended already
                }
            }, durationMillis, TimeUnit.MILLISECONDS);
            stdout.println("capturing on " + interfaceName + (bpf == null ? "" : " (" + bpf + ")")
                    + (pid > 0 ? ", only the ports of process " + pid : "") + " for " + durationMillis + " ms into " + out);
            stdout.flush();
            try {
                if (ports == null) {
                    handle.loop(-1, dumper);
                } else {
                    handle.loop(-1, ports);
                }
            } catch (InterruptedException stopped) {
                // breakLoop: the time is up, or the process exited
            }
            if (ports != null) {
                ports.learn(process.alive() ? process.scan() : java.util.Set.of());
                ports.flush(Long.MAX_VALUE);
            }
            dumper.flush();
            PcapStat stats = handle.getStats();
            stdout.println("done: libpcap received " + stats.getNumPacketsReceived() + " packets, dropped " + stats.getNumPacketsDropped()
                    + (ports == null ? "" : "; kept " + ports.kept + " on the process's ports " + ports.knownPorts()
                    + ", left out " + ports.skipped + (ports.processGone ? "; process " + pid + " exited" : "")));
            return Main.OK;
        } catch (Exception | UnsatisfiedLinkError | NoClassDefFoundError e) {
            err.println("socktrace-correlator: capture on '" + interfaceName + "' failed: " + e.getMessage()
                    + " (live capture needs libpcap and root or CAP_NET_RAW)");
            return Main.INPUT_ERROR;
        } finally {
            timer.shutdownNow();
            if (dumper != null) {
                dumper.close();
            }
            if (handle != null) {
                handle.close();
            }
        }
    }
}
