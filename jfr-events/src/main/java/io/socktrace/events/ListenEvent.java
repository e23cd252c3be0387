package io.socktrace.events;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A socket started listening. */
@Name(EventNames.LISTEN)
@Label("Socket Listen")
@Description("A socket was bound and started listening")
@StackTrace(true)
public final class ListenEvent extends ConnectionEvent {

    @Label("Backlog")
    @Description("The accept-queue length the application asked for")
    public int backlog;

    @Label("Effective Backlog")
    @Description("The backlog the kernel applies: the requested one capped by net.core.somaxconn")
    public int effectiveBacklog;
}
