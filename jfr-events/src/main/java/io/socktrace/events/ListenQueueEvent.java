package io.socktrace.events;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;

/** The accept queue of one of this JVM's listening sockets: connections the kernel completed that accept has not taken yet. */
@Name(EventNames.LISTEN_QUEUE)
@Label("Listen Queue")
@Description("Accept-queue length of a listening socket of this JVM against its backlog")
@Period("10 s")
@StackTrace(false)
public final class ListenQueueEvent extends ConnectionEvent {

    @Label("Queue Length")
    @Description("Connections established by the kernel and waiting for accept")
    public long queueLength;

    @Label("Backlog")
    @Description("The backlog the application asked for")
    public int backlog;

    @Label("Effective Backlog")
    @Description("The requested backlog capped by net.core.somaxconn; the kernel queues up to one more than this")
    public int effectiveBacklog;

    @Label("Full")
    @Description("The queue is at its limit: further SYNs are dropped and connects will time out")
    public boolean full;
}
