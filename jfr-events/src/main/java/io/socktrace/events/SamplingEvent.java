package io.socktrace.events;

import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * Which of the connections the recording holds: the sampling in force, written at the start of
 * every chunk so a reader of any part of a recording knows whether a connection missing from it
 * was sampled out or never happened. Its settings are read from the running recordings' settings
 * ({@link SettingsFiles#SAMPLING_CONNECTIONS} and the others), not from JFR, which ignores setting
 * names it does not know on classes of the boot class path.
 */
@Name(EventNames.SAMPLING)
@Label("Sampling")
@Description("How socktrace chose the connections this recording holds: normal connections sampled, abnormal events rate-limited")
@jdk.jfr.Category({"socktrace", "Socket"})
@Period("beginChunk")
@StackTrace(false)
public final class SamplingEvent extends Event {

    @Label("Connections per Second")
    @Description("Normal connections recorded whole per second and direction; 0: every connection is recorded")
    public long connectionsPerSecond;

    @Label("Abnormal Events per Second")
    @Description("Abnormal events recorded per second, per endpoint and kind; beyond it they are only counted; 0: no limit")
    public long abnormalPerSecond;

    @Label("Slow Connect")
    @Description("A connect that takes at least this long is recorded whether sampled or not (an accept waits for a client: never slow)")
    @Timespan(Timespan.NANOSECONDS)
    public long slowConnect;

    @Label("Long CLOSE_WAIT")
    @Description("A close after the peer's end of stream that came at least this late is recorded whether sampled or not")
    @Timespan(Timespan.NANOSECONDS)
    public long longCloseWait;
}
