package io.socktrace.events;

import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/** The application learnt that the connection was aborted: a reset or a broken pipe. */
@Name(EventNames.RESET)
@Label("Connection Reset")
@Description("An operation failed because the connection was aborted: connection reset or broken pipe")
@StackTrace(true)
public final class ResetEvent extends ConnectionEvent {

    @Label("Kind")
    @Description("CONNECTION_RESET, BROKEN_PIPE, or PEER_VANISHED (the kernel gave up on a peer that stopped answering, without FIN or RST: Connection timed out after its retransmissions or keepalive probes, or No route to host)")
    public String kind;

    @Label("Operation")
    @Description("The operation where the application saw it: CONNECT, ACCEPT, READ, WRITE or CLOSE")
    public String operation;

    @Label("Bytes Read")
    @Description("Bytes read on this connection before the reset")
    @DataAmount
    public long bytesRead;

    @Label("Bytes Written")
    @Description("Bytes written on this connection before the reset")
    @DataAmount
    public long bytesWritten;

    @Label("Connection Age")
    @Description("Time since the connection was established")
    @Timespan(Timespan.NANOSECONDS)
    public long connectionAge;

    @Label("Peer Closed Before")
    @Description("End of stream had been read before the reset, so the peer closed first")
    public boolean endOfStreamSeen;

    @Label("Exception Class")
    @Description("Class of the exception the application got, if the operation failed")
    public String exceptionClass;

    @Label("Exception Message")
    @Description("Message of the exception the application got, if the operation failed")
    public String exceptionMessage;

    @Label("Handled Inside the JDK")
    @Description("The JDK met this failure inside itself and did not pass it on: a TLS socket's close writing its close_notify to a peer that had already gone (broken pipe) or reading its answer (reset). The application was not told; not counted as a reset, and the close is not AFTER_ERROR")
    public boolean handledByJdk;

    @Label("Total Retransmits")
    @Description("Segments the kernel retransmitted on this connection, from TCP_INFO when the failure surfaced; -1 when not known (TCP_INFO needs JDK 22+ with --enable-native-access)")
    public long totalRetransmits;

    @Label("Since Last ACK")
    @Description("Time since the peer last acknowledged anything, from TCP_INFO when the failure surfaced: how long it had been silent; 0 when not known")
    @Timespan(Timespan.MILLISECONDS)
    public long sinceLastAck;

    @Label("Unanswered Probes")
    @Description("Keepalive or zero-window probes the kernel had sent without an answer, from TCP_INFO; -1 when not known")
    public int unansweredProbes;
}
