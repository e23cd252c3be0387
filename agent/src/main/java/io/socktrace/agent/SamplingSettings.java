package io.socktrace.agent;

import io.socktrace.events.EndpointStatisticsEvent;
import io.socktrace.events.EventNames;
import io.socktrace.events.SamplingEvent;
import io.socktrace.events.TransportEvent;
import io.socktrace.runtime.Transports;
import io.socktrace.events.SettingsFiles;
import io.socktrace.runtime.AgentLog;
import io.socktrace.runtime.Endpoints;
import io.socktrace.runtime.Sampling;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;
import jdk.jfr.Recording;
import jdk.jfr.RecordingState;

/**
 * Applies the {@code socktrace.Sampling} settings of the running recordings to the runtime's
 * {@link Sampling}, whenever a recording starts or stops, and registers the two periodic events
 * behind them: {@code socktrace.EndpointStatistics} and {@code socktrace.Sampling}. JFR keeps
 * setting names it does not know in each recording's settings (from a {@code .jfc}, {@code jcmd
 * JFR.start} or a map alike), which is how a {@code .jfc} turns sampling off on every JDK, where
 * a boot-loaded event class cannot declare settings of its own (JDK 22+). Several recordings: the
 * most permissive wins, as JFR does for thresholds (the highest rate, "off" above all, the
 * shortest durations).
 */
final class SamplingSettings implements FlightRecorderListener {

    private static final long DEFAULT_CONNECTIONS = 100;
    private static final long DEFAULT_ABNORMAL = 100;
    private static final long DEFAULT_SLOW_CONNECT = 1_000_000L;
    private static final long DEFAULT_LONG_CLOSE_WAIT = 1_000_000_000L;

    private String lastApplied = "";

    private SamplingSettings() {
    }

    /** Registers the periodic events and follows the recordings from now on; JFR must be initialised. */
    static void start() throws ClassNotFoundException {
        SamplingSettings settings = new SamplingSettings();
        addPeriodic(EndpointStatisticsEvent.class, SamplingSettings::emitEndpoints);
        addPeriodic(SamplingEvent.class, SamplingSettings::emitSampling);
        addPeriodic(TransportEvent.class, SamplingSettings::emitTransports);
        FlightRecorder.addListener(settings);
        settings.apply();
    }

    /**
     * Registers a periodic event of the boot jar. On JDK 22+ such a class is a "JDK event", known
     * to JFR once initialised; one that was never initialised was refused as "not registered"
     * (seen on JDK 25), so it is initialised first, and registered explicitly if JFR still says no.
     */
    private static void addPeriodic(Class<? extends jdk.jfr.Event> type, Runnable hook) throws ClassNotFoundException {
        Class.forName(type.getName(), true, type.getClassLoader());
        try {
            FlightRecorder.addPeriodicEvent(type, hook);
        } catch (IllegalStateException notRegistered) {
            FlightRecorder.register(type);
            FlightRecorder.addPeriodicEvent(type, hook);
        }
    }

    @Override
    public void recordingStateChanged(Recording recording) {
        apply();
    }

    private synchronized void apply() {
        try {
            long connections = -1;
            long abnormal = -1;
            long slowConnect = Long.MAX_VALUE;
            long longCloseWait = Long.MAX_VALUE;
            boolean running = false;
            for (Recording r : FlightRecorder.getFlightRecorder().getRecordings()) {
                if (r.getState() != RecordingState.RUNNING) {
                    continue;
                }
                running = true;
                Map<String, String> s = r.getSettings();
                connections = permissive(connections, rate(s, SettingsFiles.SAMPLING_CONNECTIONS, DEFAULT_CONNECTIONS));
                abnormal = permissive(abnormal, rate(s, SettingsFiles.SAMPLING_ABNORMAL, DEFAULT_ABNORMAL));
                slowConnect = Math.min(slowConnect, duration(s, SettingsFiles.SAMPLING_SLOW_CONNECT, DEFAULT_SLOW_CONNECT));
                longCloseWait = Math.min(longCloseWait, duration(s, SettingsFiles.SAMPLING_LONG_CLOSE_WAIT, DEFAULT_LONG_CLOSE_WAIT));
            }
            if (!running) {
                return; // nothing records: keep what the last recording asked for
            }
            Sampling.configure(connections, abnormal, slowConnect, longCloseWait);
            String applied = connections + "," + abnormal + "," + slowConnect + "," + longCloseWait;
            if (!applied.equals(lastApplied)) {
                lastApplied = applied;
                AgentLog.debug("sampling: connections " + (connections == 0 ? "all" : connections + "/s") + ", abnormal "
                        + (abnormal == 0 ? "all" : abnormal + "/s per endpoint and kind") + ", slow connect " + slowConnect
                        + " ns, long CLOSE_WAIT " + longCloseWait + " ns");
                emitSampling(); // the chunk that is being written learns of the change too
            }
        } catch (Throwable t) {
            AgentLog.error("applying the sampling settings", t);
        }
    }

    /** 0 means "no limit", the most permissive of all; otherwise the higher rate. -1: none yet. */
    private static long permissive(long current, long next) {
        if (current == 0 || next == 0) {
            return 0;
        }
        return Math.max(current, next);
    }

    /** "100/s", "6000/min", "off" (0: no limit). A value that cannot be read keeps the default, with a warning. */
    static long rate(Map<String, String> settings, String name, long defaultRate) {
        String value = settings.get(EventNames.SAMPLING + "#" + name);
        if (value == null) {
            return defaultRate;
        }
        String v = value.trim().toLowerCase(Locale.ROOT).replace(" ", "");
        if (v.equals("off") || v.equals("0") || v.equals("0/s")) {
            return 0;
        }
        int slash = v.indexOf('/');
        try {
            long n = Long.parseLong(slash < 0 ? v : v.substring(0, slash));
            String unit = slash < 0 ? "s" : v.substring(slash + 1);
            long perSeconds = unit.equals("s") ? 1 : unit.equals("m") || unit.equals("min") ? 60 : unit.equals("h") ? 3600 : -1;
            if (n > 0 && perSeconds > 0) {
                return Math.max(1, (n + perSeconds - 1) / perSeconds);
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        AgentLog.warn("bad value '" + value + "' for setting " + EventNames.SAMPLING + "#" + name
                + " (expected a rate such as 100/s or 6000/min, or off); using " + defaultRate + "/s");
        return defaultRate;
    }

    /** "1 ms", "500 us", "2 s", "0 ns", as in a .jfc. A value that cannot be read keeps the default, with a warning. */
    static long duration(Map<String, String> settings, String name, long defaultNanos) {
        String value = settings.get(EventNames.SAMPLING + "#" + name);
        if (value == null) {
            return defaultNanos;
        }
        String v = value.trim().toLowerCase(Locale.ROOT).replace(" ", "");
        String[][] units = {{"ns", "1"}, {"us", "1000"}, {"ms", "1000000"}, {"s", "1000000000"}, {"m", "60000000000"}};
        for (String[] unit : units) {
            if (v.endsWith(unit[0]) && !(unit[0].equals("s") && (v.endsWith("ns") || v.endsWith("us") || v.endsWith("ms")))
                    && !(unit[0].equals("m") && v.endsWith("ms"))) {
                try {
                    long n = Long.parseLong(v.substring(0, v.length() - unit[0].length()));
                    if (n >= 0) {
                        return Math.multiplyExact(n, Long.parseLong(unit[1]));
                    }
                } catch (NumberFormatException | ArithmeticException ignored) {
                    break;
                }
            }
        }
        if (v.equals("0")) {
            return 0;
        }
        AgentLog.warn("bad value '" + value + "' for setting " + EventNames.SAMPLING + "#" + name
                + " (expected a duration such as 1 ms or 2 s); using " + defaultNanos + " ns");
        return defaultNanos;
    }

    private static void emitEndpoints() {
        try {
            Endpoints.emit();
        } catch (Throwable t) {
            AgentLog.error("EndpointStatistics", t);
        }
    }

    private static void emitSampling() {
        try {
            SamplingEvent e = new SamplingEvent();
            if (e.shouldCommit()) {
                e.connectionsPerSecond = Sampling.connectionsPerSecond();
                e.abnormalPerSecond = Sampling.abnormalPerSecond();
                e.slowConnect = Sampling.slowConnectNanos();
                e.longCloseWait = Sampling.longCloseWaitNanos();
                e.commit();
            }
        } catch (Throwable t) {
            AgentLog.error("Sampling", t);
        }
    }

    /** One Transport event per socket library in use, traced or not (the JDK's always). */
    private static void emitTransports() {
        try {
            // TransportEvent is the agent's everyChunk event: its task runs at the end of each
            // chunk, the last one included, which EndpointStatistics' timed period never sees
            Endpoints.emitAtChunkBoundary();
        } catch (Throwable t) {
            AgentLog.error("endpoint statistics at a chunk's end", t);
        }
        try {
            for (Transports.Entry t : Transports.snapshot()) {
                TransportEvent e = new TransportEvent();
                if (!e.shouldCommit()) {
                    return;
                }
                e.transport = t.transport;
                e.library = t.library;
                e.traced = t.traced();
                e.connectionsTraced = t.connections();
                e.note = t.note() == null ? "" : t.note();
                e.commit();
            }
        } catch (Throwable t) {
            AgentLog.error("transports", t);
        }
    }
}
