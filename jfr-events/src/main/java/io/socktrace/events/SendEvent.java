package io.socktrace.events;

import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/** A write that blocked for at least the send threshold, or that failed. */
@Name(EventNames.SEND)
@Label("Socket Send")
@Description("A write that blocked for at least the send threshold, or that failed")
@StackTrace(true)
public final class SendEvent extends ConnectionEvent {

    @Label("Bytes Written")
    @DataAmount
    public long bytesWritten;

    @Label("Bytes Requested")
    @DataAmount
    public long bytesRequested;

    @Label("Timeout")
    @Description("SO_TIMEOUT of the socket; 0 means none (writes on a java.net.Socket never time out)")
    @Timespan(Timespan.MILLISECONDS)
    public long timeout;

    @Label("Outcome")
    @Description("OK, PARTIAL, WOULD_BLOCK, BROKEN_PIPE, RESET, PEER_VANISHED (the kernel gave up on a peer that stopped answering), CLOSED or ERROR")
    public String outcome;

    @Label("Exception Class")
    @Description("Class of the exception the application got, if the operation failed")
    public String exceptionClass;

    @Label("Exception Message")
    @Description("Message of the exception the application got, if the operation failed")
    public String exceptionMessage;

    @Label("Short Writes")
    @Description("Non-blocking writes that returned less than asked during this stall (0 for a blocking write)")
    public long shortWrites;

    @Label("Handled Inside the JDK")
    @Description("The JDK met this failure inside itself and did not pass it on: a TLS socket's close writing its close_notify to a peer that had already gone (broken pipe) or reading its answer (reset). The application was not told; not counted as a reset, and the close is not AFTER_ERROR")
    public boolean handledByJdk;
}
