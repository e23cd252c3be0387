package io.socktrace.events;

import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/** The kernel's view of one of this JVM's connections, from /proc/net/tcp and /proc/net/tcp6. */
@Name(EventNames.TCP_INFO)
@Label("TCP Info")
@Description("Kernel state and queues of a connection of this JVM that is not idle and established")
@Period("10 s")
@StackTrace(false)
public final class TcpInfoEvent extends ConnectionEvent {

    @Label("State")
    @Description("Kernel TCP state, e.g. ESTABLISHED, CLOSE_WAIT, FIN_WAIT2, SYN_SENT")
    public String state;

    @Label("Send Queue")
    @Description("Bytes written by the application and not yet acknowledged by the peer (Send-Q)")
    @DataAmount
    public long sendQueue;

    @Label("Receive Queue")
    @Description("Bytes received and not yet read by the application (Recv-Q)")
    @DataAmount
    public long receiveQueue;

    @Label("Retransmit Timeouts")
    @Description("Unrecovered retransmission timeouts of the segment at the head of the queue (retrnsmt)")
    public int retransmitTimeouts;

    @Label("Timer")
    @Description("Active kernel timer: none, retransmit, keepalive, time-wait or zero-window-probe")
    public String timer;

    @Label("Timer Expires")
    @Description("Time until the active timer fires")
    @Timespan(Timespan.MILLISECONDS)
    public long timerExpires;

    @Label("Round-Trip Time")
    @Description("Smoothed round-trip time from TCP_INFO (JDK 22+ with native access enabled; else 0)")
    @Timespan(Timespan.MICROSECONDS)
    public long rtt;

    @Label("Total Retransmits")
    @Description("Segments retransmitted over the connection's life, from TCP_INFO (JDK 22+ with native access; else -1)")
    public long totalRetransmits;
}
