package io.socktrace.correlator;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.pcap4j.core.BpfProgram;
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

    /** 128 bytes hold every header the correlator reads; payload bytes are never needed. */
    static final int SNAPLEN = 128;

    private LiveCapture() {
    }

    static int run(String interfaceName, Path out, String filter, long durationMillis, PrintStream stdout, PrintStream err) {
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
            if (filter != null) {
                handle.setFilter(filter, BpfProgram.BpfCompileMode.OPTIMIZE);
            }
            dumper = handle.dumpOpen(out.toString());
            PcapHandle running = handle;
            timer.schedule(() -> {
                try {
                    running.breakLoop();
                } catch (Exception e) {
                    // the loop has ended already
                }
            }, durationMillis, TimeUnit.MILLISECONDS);
            stdout.println("capturing on " + interfaceName + (filter == null ? "" : " (" + filter + ")") + " for "
                    + durationMillis + " ms into " + out);
            stdout.flush();
            try {
                handle.loop(-1, dumper);
            } catch (InterruptedException stopped) {
                // breakLoop: the time is up
            }
            dumper.flush();
            PcapStat stats = handle.getStats();
            stdout.println("done: libpcap received " + stats.getNumPacketsReceived() + " packets, dropped " + stats.getNumPacketsDropped());
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
