package io.socktrace.events;

import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/** The application closed a connection: who closed first, and what the kernel will do next. */
@Name(EventNames.CLOSE)
@Label("Socket Close")
@Description("A connection was closed by the application, with who closed first and the totals")
// No stack by default, as in socktrace.jfc (SettingsFiles): the Close's connectionId leads to its Connect's stack; settings=profile records it
@StackTrace(false)
public final class CloseEvent extends ConnectionEvent {

    @Label("Initiator")
    @Description("LOCAL (we closed first), PEER (peer closed first), ABORT (RST sent) or AFTER_ERROR")
    public String initiator;

    @Label("Initiator Evidence")
    @Description("What decided the initiator: END_OF_STREAM (the application read the peer's end of stream), FIN_UNREAD (the kernel held the peer's FIN, unread, at close: PEER without a known time in CLOSE_WAIT), TLS_CLOSE (the JDK's TLS close met a broken pipe: the peer had gone), TLS_ANSWER_UNREAD (LOCAL: our TLS close went first and the JDK closed the socket without reading the peer's close_notify that answered it; the kernel sent RST for those unreadBytes, the application did nothing wrong), NO_FIN (the kernel had no FIN from the peer: LOCAL), SHUTDOWN_OUTPUT (our shutdownOutput came first), READS_ONLY (LOCAL from the application's reads; the kernel could not be asked), LINGER_ZERO or UNREAD_INPUT (ABORT), ERROR (AFTER_ERROR)")
    public String initiatorEvidence;

    @Label("Close Wait Time")
    @Description("Time from the first end of stream read to this close: how long the socket sat in CLOSE_WAIT")
    @Timespan(Timespan.NANOSECONDS)
    public long closeWaitTime;

    @Label("Lifetime")
    @Description("Time from connect or accept to close")
    @Timespan(Timespan.NANOSECONDS)
    public long lifetime;

    @Label("Bytes Read")
    @Description("Total bytes read on this connection")
    @DataAmount
    public long bytesRead;

    @Label("Bytes Written")
    @Description("Total bytes written on this connection")
    @DataAmount
    public long bytesWritten;

    @Label("Unread Bytes")
    @Description("Bytes received but not read when the socket was closed; non-zero makes the kernel send RST")
    @DataAmount
    public long unreadBytes;

    @Label("Short Writes")
    @Description("Non-blocking writes on this connection that returned less than asked: how often the peer was not keeping up")
    public long shortWrites;

    @Label("Linger")
    @Description("SO_LINGER in seconds, or -1 when off")
    public int linger;

    @Label("Half Close")
    @Description("Half-closes before the close: NONE, INPUT, OUTPUT or BOTH")
    public String halfClose;

    @Label("TCP State After")
    @Description("The TCP state this side enters: TIME_WAIT (after FIN_WAIT), LAST_ACK or CLOSED (RST sent)")
    public String tcpStateAfter;

    @Label("Round-Trip Time")
    @Description("Smoothed round-trip time from TCP_INFO just before the close (JDK 22+ with native access enabled; else 0)")
    @Timespan(Timespan.MICROSECONDS)
    public long rtt;

    @Label("Total Retransmits")
    @Description("Segments retransmitted over the connection's life, from TCP_INFO (JDK 22+ with native access; else -1)")
    public long totalRetransmits;

    @Label("Community ID")
    @Description("Community ID flow hash, version 1, seed 0")
    public String communityId;
}
