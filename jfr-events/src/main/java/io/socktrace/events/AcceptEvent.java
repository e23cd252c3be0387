package io.socktrace.events;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/** One call to accept on a listening socket: how long it blocked and whom it accepted. */
@Name(EventNames.ACCEPT)
@Label("Socket Accept")
@Description("Time blocked in accept, the listening address and the accepted peer")
// No stack by default, as in socktrace.jfc (SettingsFiles): an accept's stack is the server's accept loop, the same for every connection; settings=profile records it
@StackTrace(false)
public final class AcceptEvent extends ConnectionEvent {

    @Label("Listener Id")
    @Description("Connection id of the listening socket")
    @ConnectionId
    public long listenerId;

    @Label("Listen Address")
    @Description("Address the listening socket is bound to")
    public String listenAddress;

    @Label("Listen Port")
    @Description("Port the listening socket is bound to")
    public int listenPort;

    @Label("Timeout")
    @Description("SO_TIMEOUT of the listening socket; 0 means none")
    @Timespan(Timespan.MILLISECONDS)
    public long timeout;

    @Label("Blocking")
    @Description("Whether the call blocked the calling thread (false for a non-blocking channel)")
    public boolean blocking;

    @Label("Outcome")
    @Description("ACCEPTED, TIMED_OUT, TOO_MANY_OPEN_FILES, CLOSED or ERROR")
    public String outcome;

    @Label("Exception Class")
    @Description("Class of the exception the application got, if the operation failed")
    public String exceptionClass;

    @Label("Exception Message")
    @Description("Message of the exception the application got, if the operation failed")
    public String exceptionMessage;

    @Label("Community ID")
    @Description("Community ID flow hash, version 1, seed 0, of the accepted connection")
    public String communityId;
}
