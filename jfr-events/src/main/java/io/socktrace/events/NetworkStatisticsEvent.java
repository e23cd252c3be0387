package io.socktrace.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;

/** Descriptors, this JVM's connections by kernel state, and the host's TCP counters since the previous sample. */
@Name(EventNames.NETWORK_STATISTICS)
@Label("Network Statistics")
@Description("Open file descriptors against the limit, this JVM's connections by kernel state, and host TCP counter deltas")
@Category({"socktrace", "Socket"})
@Period("10 s")
@StackTrace(false)
public final class NetworkStatisticsEvent extends Event {

    @Label("Open File Descriptors")
    @Description("Descriptors this process has open (all kinds, not only sockets)")
    public long openFileDescriptors;

    @Label("Max File Descriptors")
    @Description("The process's soft limit on open descriptors (ulimit -n)")
    public long maxFileDescriptors;

    @Label("Tracked Sockets")
    @Description("Sockets socktrace tracks as open: connections and listeners")
    public long trackedSockets;

    @Label("Established")
    public long established;

    @Label("SYN Sent")
    public long synSent;

    @Label("SYN Received")
    public long synReceived;

    @Label("FIN_WAIT1")
    public long finWait1;

    @Label("FIN_WAIT2")
    public long finWait2;

    @Label("TIME_WAIT")
    @Description("This JVM's connections in TIME_WAIT: the ones it closed first within the kernel's 60 s (TIME_WAIT rows in /proc have no owner; the agent counts its own closes)")
    public long timeWait;

    @Label("Local Ports in Use")
    @Description("Local ports this JVM holds toward remote endpoints: open outgoing connections plus its TIME_WAIT; at the range's size the next connect fails with Cannot assign requested address")
    public long localPortsInUse;

    @Label("Local Port Range")
    @Description("Size of the kernel's ephemeral port range (net.ipv4.ip_local_port_range); 0 when unknown")
    public long localPortRange;

    @Label("CLOSE_WAIT")
    @Description("Connections the peer closed and this JVM has not: a growing count is a leak")
    public long closeWait;

    @Label("LAST_ACK")
    public long lastAck;

    @Label("CLOSING")
    public long closing;

    @Label("Listening")
    public long listening;

    @Label("Listen Overflows")
    @Description("Host: connections dropped because an accept queue was full, since the previous sample (TcpExt ListenOverflows)")
    public long listenOverflows;

    @Label("Listen Drops")
    @Description("Host: SYNs to listening sockets dropped for any reason, since the previous sample (TcpExt ListenDrops)")
    public long listenDrops;

    @Label("Retransmitted Segments")
    @Description("Host: segments retransmitted since the previous sample (Tcp RetransSegs)")
    public long retransmittedSegments;

    @Label("Established Resets")
    @Description("Host: established connections reset since the previous sample (Tcp EstabResets)")
    public long establishedResets;

    @Label("Resets Sent")
    @Description("Host: segments sent with RST since the previous sample (Tcp OutRsts)")
    public long resetsSent;

    @Label("Active Opens")
    @Description("Host: connects started since the previous sample (Tcp ActiveOpens)")
    public long activeOpens;

    @Label("Passive Opens")
    @Description("Host: connections accepted by the kernel since the previous sample (Tcp PassiveOpens)")
    public long passiveOpens;

    @Label("Sample Cost")
    @Description("Time the agent spent reading /proc for this sample")
    @jdk.jfr.Timespan(jdk.jfr.Timespan.NANOSECONDS)
    public long sampleCost;

}
