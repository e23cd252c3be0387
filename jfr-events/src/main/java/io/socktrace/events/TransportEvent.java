package io.socktrace.events;

import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;

/**
 * A socket library this JVM uses and whether socktrace traces it: the JDK's sockets, Netty's
 * native epoll transport (per copy: plain Netty, gRPC's relocated one), and the transports it
 * cannot trace (Netty's io_uring), so that a recording never stays silent about connections it
 * does not hold. Written at the start and end of every chunk, with the connections traced so far.
 */
@Name(EventNames.TRANSPORT)
@Label("Transport")
@Description("A socket library this JVM uses, whether socktrace traces its connections, and how many it traced so far")
@jdk.jfr.Category({"socktrace", "Socket"})
@Period("everyChunk")
@StackTrace(false)
public final class TransportEvent extends Event {

    @Label("Transport")
    @Description("jdk (java.net and java.nio sockets), netty-epoll, netty-io_uring, netty-kqueue")
    public String transport;

    @Label("Library")
    @Description("The package the library's copy lives in: java.base, io.netty, or a relocated copy such as io.grpc.netty.shaded.io.netty")
    public String library;

    @Label("Traced")
    @Description("Whether socktrace records this transport's connections")
    public boolean traced;

    @Label("Connections Traced")
    @Description("Connections established through this transport since the agent started (connects and accepts), sampled or not")
    public long connectionsTraced;

    @Label("Note")
    @Description("Why this transport's connections are not traced; empty when they are")
    public String note;
}
