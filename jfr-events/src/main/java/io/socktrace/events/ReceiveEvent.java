package io.socktrace.events;

import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/** A read that blocked for at least the receive threshold, or that failed. */
@Name(EventNames.RECEIVE)
@Label("Socket Receive")
@Description("A read that blocked for at least the receive threshold, or that failed")
@StackTrace(true)
public final class ReceiveEvent extends ConnectionEvent {

    @Label("Bytes Read")
    @DataAmount
    public long bytesRead;

    @Label("End of Stream")
    @Description("The peer had closed its side: the read returned -1")
    public boolean endOfStream;

    @Label("Timeout")
    @Description("SO_TIMEOUT of the socket; 0 means none")
    @Timespan(Timespan.MILLISECONDS)
    public long timeout;

    @Label("Outcome")
    @Description("OK, EOF, TIMED_OUT (the application's SO_TIMEOUT), RESET, PEER_VANISHED (the kernel gave up on a peer that stopped answering: Connection timed out, No route to host), CLOSED or ERROR")
    public String outcome;

    @Label("Exception Class")
    @Description("Class of the exception the application got, if the operation failed")
    public String exceptionClass;

    @Label("Exception Message")
    @Description("Message of the exception the application got, if the operation failed")
    public String exceptionMessage;

    @Label("Handled Inside the JDK")
    @Description("The JDK met this failure inside itself and did not pass it on: a TLS socket's close writing its close_notify to a peer that had already gone (broken pipe) or reading its answer (reset). The application was not told; not counted as a reset, and the close is not AFTER_ERROR")
    public boolean handledByJdk;
}
