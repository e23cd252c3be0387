package io.socktrace.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;

/**
 * The fields every per-connection event carries: the connection's id and its full 4-tuple. The
 * 4-tuple is the join key to a packet capture, so it is copied onto every event rather than only
 * onto Connect/Accept. Field names follow {@code jdk.SocketRead} so that Mission Control's socket
 * views understand them.
 */
@Category({"socktrace", "Socket"})
public abstract class ConnectionEvent extends Event {

    @Label("Connection Id")
    @Description("Identifies one socket of this process; all events of one connection share it")
    @ConnectionId
    public long connectionId;

    @Label("Remote Host")
    @Description("The host name the application asked for, or the literal address; never a reverse lookup")
    public String host;

    @Label("Remote Address")
    @Description("IP address of the peer, as text; never resolved to a name")
    public String address;

    @Label("Remote Port")
    @Description("Port of the peer")
    public int port;

    @Label("Local Address")
    @Description("IP address of this side; empty when the kernel had not chosen one (e.g. a failed connect)")
    public String localAddress;

    @Label("Local Port")
    @Description("Port of this side: the real ephemeral port for an outgoing connection")
    public int localPort;

}
