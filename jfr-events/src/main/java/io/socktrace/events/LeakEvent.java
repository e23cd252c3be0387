package io.socktrace.events;

import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/** A socket that became unreachable without close(): the descriptor was only reclaimed by the garbage collector. */
@Name(EventNames.LEAK)
@Label("Socket Leak")
@Description("A socket object became unreachable without being closed")
@StackTrace(false)
public final class LeakEvent extends ConnectionEvent {

    @Label("Age")
    @Description("Time from connect, accept or listen until the garbage collector found the socket unreachable")
    @Timespan(Timespan.NANOSECONDS)
    public long age;

    @Label("Listening")
    @Description("The leaked socket was a listening socket")
    public boolean listening;

    @Label("Peer Closed")
    @Description("End of stream had been read: the leaked socket sat in CLOSE_WAIT")
    public boolean endOfStreamSeen;

    @Label("Bytes Read")
    @DataAmount
    public long bytesRead;

    @Label("Bytes Written")
    @DataAmount
    public long bytesWritten;

    @Label("Opening Stack")
    @Description("The stack that connected, accepted or bound this socket (agent option openingStacks)")
    public String openingStack;
}
