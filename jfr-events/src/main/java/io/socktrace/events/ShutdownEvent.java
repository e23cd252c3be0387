package io.socktrace.events;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A half-close: the application shut down one direction of a connection. */
@Name(EventNames.SHUTDOWN)
@Label("Socket Shutdown")
@Description("The application shut down the input or the output of a connection")
@StackTrace(true)
public final class ShutdownEvent extends ConnectionEvent {

    @Label("Shutdown Input")
    @Description("The read side was shut down (shutdownInput)")
    public boolean shutdownInput;

    @Label("Shutdown Output")
    @Description("The write side was shut down (shutdownOutput): a FIN is sent to the peer")
    public boolean shutdownOutput;
}
