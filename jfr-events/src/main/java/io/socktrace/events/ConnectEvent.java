package io.socktrace.events;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/** One connect attempt, from the call until established or failed. */
@Name(EventNames.CONNECT)
@Label("Socket Connect")
@Description("A connect from the call until the connection was established or the attempt failed")
@StackTrace(true)
public final class ConnectEvent extends ConnectionEvent {

    @Label("Timeout")
    @Description("The connect timeout the application gave; 0 means none")
    @Timespan(Timespan.MILLISECONDS)
    public long timeout;

    @Label("Blocking")
    @Description("Whether the connect blocked the calling thread")
    public boolean blocking;

    @Label("Outcome")
    @Description("CONNECTED, REFUSED, TIMED_OUT, UNREACHABLE, UNRESOLVED, INTERRUPTED, CLOSED, NO_LOCAL_PORT (Cannot assign requested address: no free local port, e.g. the ephemeral range full of TIME_WAIT) or ERROR")
    public String outcome;

    @Label("Exception Class")
    @Description("Class of the exception the application got, if the operation failed")
    public String exceptionClass;

    @Label("Exception Message")
    @Description("Message of the exception the application got, if the operation failed")
    public String exceptionMessage;

    @Label("Community ID")
    @Description("Community ID flow hash, version 1, seed 0, as Zeek, Suricata and Wireshark compute it")
    public String communityId;

}
