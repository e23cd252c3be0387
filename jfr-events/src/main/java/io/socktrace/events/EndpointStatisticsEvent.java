package io.socktrace.events;

import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * Exact counts for one remote endpoint this JVM connects to, or one of its listening sockets, over
 * the period since the previous row for it: every connection is counted, whether sampling recorded
 * it or not. One row per busy endpoint each period, at most a few hundred; the rest are summed in
 * one row whose {@code role} is {@code OTHER}.
 */
@Name(EventNames.ENDPOINT_STATISTICS)
@Label("Endpoint Statistics")
@Description("Exact per-endpoint counts of connections, failures, latency, bytes, resets and closes over the period, recorded or not")
@jdk.jfr.Category({"socktrace", "Socket"})
@Period("10 s")
@StackTrace(false)
public final class EndpointStatisticsEvent extends Event {

    @Label("Role")
    @Description("REMOTE: a remote endpoint this JVM connects to; LISTENER: a listening socket of this JVM (its accepted "
            + "connections); OTHER: the endpoints beyond the row limit, summed")
    public String role;

    @Label("Host")
    @Description("REMOTE: the host name the application asked for (never a reverse lookup)")
    public String host;

    @Label("Address")
    @Description("REMOTE: the remote address; LISTENER: the address it listens on")
    public String address;

    @Label("Port")
    @Description("REMOTE: the remote port; LISTENER: the port it listens on")
    public int port;

    @Label("Endpoints")
    @Description("How many endpoints this row sums: 1, or more in the OTHER row")
    public int endpoints;

    @Label("Period")
    @Description("The time these counts cover")
    @Timespan(Timespan.NANOSECONDS)
    public long period;

    @Label("Connects")
    @Description("Connect attempts that ended in the period, whatever the outcome")
    public long connects;

    @Label("Connected")
    public long connected;

    @Label("Refused")
    public long refused;

    @Label("Timed Out")
    public long timedOut;

    @Label("Unreachable")
    public long unreachable;

    @Label("Unresolved")
    public long unresolved;

    @Label("Interrupted")
    @Description("Connects ended by an interrupt, or by a close from another thread")
    public long interrupted;

    @Label("No Local Port")
    @Description("Connects that failed with 'Cannot assign requested address': no free local port for this destination (the ephemeral range in use, typically by TIME_WAIT)")
    public long noLocalPort;

    @Label("Other Connect Failures")
    public long otherConnectFailures;

    @Label("Accepted")
    @Description("LISTENER: connections accepted")
    public long accepted;

    @Label("Accept Failures")
    @Description("LISTENER: accepts that failed (timed out, too many open files, closed, error)")
    public long acceptFailures;

    @Label("Connect Time Total")
    @Description("Sum of the connect times of the attempts counted in Connects")
    @Timespan(Timespan.NANOSECONDS)
    public long connectTimeTotal;

    @Label("Connect Time Max")
    @Timespan(Timespan.NANOSECONDS)
    public long connectTimeMax;

    @Label("Connect Time p50")
    @Description("Median connect time, as the upper bound of its latency bucket")
    @Timespan(Timespan.NANOSECONDS)
    public long connectTimeP50;

    @Label("Connect Time p99")
    @Description("99th percentile connect time, as the upper bound of its latency bucket (Connect Time Max for the last bucket)")
    @Timespan(Timespan.NANOSECONDS)
    public long connectTimeP99;

    @Label("Connects ≤ 100 µs")
    public long connectsWithin100us;
    @Label("Connects ≤ 250 µs")
    public long connectsWithin250us;
    @Label("Connects ≤ 500 µs")
    public long connectsWithin500us;
    @Label("Connects ≤ 1 ms")
    public long connectsWithin1ms;
    @Label("Connects ≤ 2.5 ms")
    public long connectsWithin2500us;
    @Label("Connects ≤ 5 ms")
    public long connectsWithin5ms;
    @Label("Connects ≤ 10 ms")
    public long connectsWithin10ms;
    @Label("Connects ≤ 25 ms")
    public long connectsWithin25ms;
    @Label("Connects ≤ 50 ms")
    public long connectsWithin50ms;
    @Label("Connects ≤ 100 ms")
    public long connectsWithin100ms;
    @Label("Connects ≤ 250 ms")
    public long connectsWithin250ms;
    @Label("Connects ≤ 500 ms")
    public long connectsWithin500ms;
    @Label("Connects ≤ 1 s")
    public long connectsWithin1s;
    @Label("Connects ≤ 2.5 s")
    public long connectsWithin2500ms;
    @Label("Connects ≤ 5 s")
    public long connectsWithin5s;
    @Label("Connects ≤ 10 s")
    public long connectsWithin10s;
    @Label("Connects > 10 s")
    public long connectsOver10s;

    @Label("Bytes Read")
    @DataAmount
    public long bytesRead;

    @Label("Bytes Written")
    @DataAmount
    public long bytesWritten;

    @Label("Resets")
    @Description("Connections that saw a reset or broken pipe for the first time in the period")
    public long resets;

    @Label("Closed Local")
    @Description("Closes where this side closed first")
    public long closedLocal;

    @Label("Closed Peer")
    @Description("Closes after the peer had closed first (end of stream read)")
    public long closedPeer;

    @Label("Closed Abort")
    @Description("Closes that sent a reset: SO_LINGER 0 or unread input")
    public long closedAbort;

    @Label("Closed After Error")
    public long closedAfterError;

    @Label("Leaked")
    @Description("Sockets found unreachable without a close")
    public long leaked;

    @Label("Open Connections")
    @Description("Connections open at the end of the period")
    public long openConnections;

    @Label("Open In CLOSE_WAIT")
    @Description("Of the open connections, those whose peer has closed (end of stream read) while this side has not")
    public long closeWaitConnections;

    @Label("In TIME_WAIT")
    @Description("REMOTE: connections to this endpoint that this side closed first within the last 60 s, whose local port Linux holds in TIME_WAIT for 60 s (an estimate to 5 s; TIME_WAIT sockets have no inode for /proc to attribute them)")
    public long timeWaitConnections;

    @Label("Local Ports In Use")
    @Description("REMOTE: local ports this JVM holds toward this endpoint, open plus in TIME_WAIT; a connect fails with NO_LOCAL_PORT when it reaches Local Port Range")
    public long localPortsInUse;

    @Label("Local Port Range")
    @Description("REMOTE: size of the ephemeral port range (net.ipv4.ip_local_port_range) connects take local ports from; 0 if unknown")
    public long localPortRange;

    @Label("Connections Not Recorded")
    @Description("Normal connections counted here but left out of the recording by sampling")
    public long connectionsNotRecorded;

    @Label("Events Not Recorded")
    @Description("Abnormal events (failures, resets, aborts, slow calls) beyond their rate, counted here but not recorded")
    public long eventsNotRecorded;
}
