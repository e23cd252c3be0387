package io.socktrace.events;

import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/** A connection the peer closed long ago that the application still has not closed: a CLOSE_WAIT leak. */
@Name(EventNames.CLOSE_WAIT_LEAK)
@Label("Close Wait Leak")
@Description("The peer closed this connection (end of stream read) at least closeWaitTimeout ago and the application has not closed it")
@StackTrace(false)
public final class CloseWaitLeakEvent extends ConnectionEvent {

    @Label("Close Wait Time")
    @Description("Time since the end of stream was read: how long this socket has been in CLOSE_WAIT")
    @Timespan(Timespan.NANOSECONDS)
    public long closeWaitTime;

    @Label("Age")
    @Description("Time since the connection was established")
    @Timespan(Timespan.NANOSECONDS)
    public long age;

    @Label("Bytes Read")
    @DataAmount
    public long bytesRead;

    @Label("Bytes Written")
    @DataAmount
    public long bytesWritten;

    @Label("Opening Stack")
    @Description("The stack that connected or accepted this connection (agent option openingStacks)")
    public String openingStack;
}
