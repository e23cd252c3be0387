package io.socktrace.events;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** The application set a socket option. */
@Name(EventNames.SOCKET_OPTION)
@Label("Socket Option")
@Description("The application set a socket option")
@StackTrace(true)
public final class SocketOptionEvent extends ConnectionEvent {

    @Label("Option")
    @Description("The option's name, e.g. TCP_NODELAY, SO_LINGER, SO_TIMEOUT, TCP_KEEPIDLE")
    public String option;

    @Label("Value")
    @Description("The value set, as text; for SO_LINGER the seconds, or -1 for off")
    public String value;

    @Label("Succeeded")
    @Description("Whether setting the option succeeded")
    public boolean succeeded;
}
