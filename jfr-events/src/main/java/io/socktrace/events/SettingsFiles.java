package io.socktrace.events;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import jdk.jfr.Configuration;

/**
 * socktrace's JFR settings, in the two forms users need: a map the agent merges into the recording
 * it starts, and complete {@code .jfc} files ({@code socktrace.jfc}, {@code socktrace-profile.jfc})
 * for {@code -XX:StartFlightRecording:settings=...} and {@code jcmd JFR.start settings=...}. A
 * {@code .jfc} must hold every event's settings, so the files are the running JDK's own
 * {@code default}/{@code profile} configuration with socktrace's events added; the build writes
 * them with the building JDK, and {@code java -jar socktrace-agent.jar settings} writes them for
 * whatever JDK runs it.
 */
public final class SettingsFiles {

    /**
     * Each event: name, then its kind: a threshold (duration events; Receive and Send carry the
     * agent's own threshold, failures always kept, so JFR's is 0), "period:…" (periodic), or null
     * (instant). A stack trace comes with every non-periodic event except where the third column
     * says otherwise: "profile" only in a capture session, "never" not at all.
     */
    private static final String[][] EVENTS = {
        {EventNames.CONNECT, "0 ms"},
        // an accept's stack is the server's accept loop, the same for every connection, and a
        // stack costs ~4 us at churn depth: recorded in a capture session only
        {EventNames.ACCEPT, "0 ms", "profile"},
        {EventNames.LISTEN, null},
        {EventNames.RECEIVE, "0 ms"},
        {EventNames.SEND, "0 ms"},
        {EventNames.RESET, null},
        // every close, twice per connection: the two stacks were ~40 % of the agent's cost in
        // connection churn; the Close's connectionId leads to its Connect's stack
        {EventNames.CLOSE, "0 ms", "profile"},
        {EventNames.SHUTDOWN, null},
        {EventNames.SOCKET_OPTION, null},
        // found by the agent's monitor thread, whose stack means nothing: they carry the opening stack
        {EventNames.CLOSE_WAIT_LEAK, null, "never"},
        {EventNames.LEAK, null, "never"},
        {EventNames.TCP_INFO, "period:10 s"},
        {EventNames.LISTEN_QUEUE, "period:10 s"},
        {EventNames.NETWORK_STATISTICS, "period:10 s"},
        {EventNames.ENDPOINT_STATISTICS, "period:10 s"},
        // the sampling in force, at the start of each chunk whatever the session
        {EventNames.SAMPLING, "period:beginChunk"},
        // the socket libraries in use, traced or not, with their connections so far
        {EventNames.TRANSPORT, "period:everyChunk"},
    };

    /** Setting of {@link EventNames#SAMPLING}: normal connections recorded per second and direction ("100/s"), or "off" for all. */
    public static final String SAMPLING_CONNECTIONS = "connections";
    /** Setting of {@link EventNames#SAMPLING}: abnormal events recorded per second per endpoint and kind ("100/s"), or "off" for no limit. */
    public static final String SAMPLING_ABNORMAL = "abnormal";
    /** Setting of {@link EventNames#SAMPLING}: a connect at least this long is recorded as slow ("1 ms"). */
    public static final String SAMPLING_SLOW_CONNECT = "slowConnect";
    /** Setting of {@link EventNames#SAMPLING}: a close this long after the peer's end of stream is recorded ("1 s"). */
    public static final String SAMPLING_LONG_CLOSE_WAIT = "longCloseWait";

    /**
     * socktrace's own settings of {@link EventNames#SAMPLING}, by name: default, then profile. JFR keeps setting names it does not
     * know in every recording's settings, from a {@code .jfc} or a map alike; the agent reads them from there.
     */
    private static final String[][] SAMPLING_SETTINGS = {
        {SAMPLING_CONNECTIONS, "100/s", "off"},
        {SAMPLING_ABNORMAL, "100/s", "off"},
        {SAMPLING_SLOW_CONNECT, "1 ms", "1 ms"},
        {SAMPLING_LONG_CLOSE_WAIT, "1 s", "1 s"},
    };

    /**
     * The JDK's own socket events. A capture session (profile) wants them at threshold 0 next to
     * socktrace's; the default settings turn them off: socktrace's Receive and Send record the
     * same calls, with the same field names plus the connection, outcome and failures, and the
     * JDK's instrumentation would add its own cost to every read and write (about 120 ns a call
     * measured on JDK 17 with its 20 ms threshold, even when nothing is recorded).
     */
    private static final String[] JDK_SOCKET_EVENTS = {"jdk.SocketRead", "jdk.SocketWrite"};

    /** How often the periodic events sample the kernel in a capture session. */
    private static final String PROFILE_PERIOD = "1 s";

    private SettingsFiles() {
    }

    /** socktrace's own settings as {@code event#setting -> value}, periodic events every 10 s. */
    public static Map<String, String> socktraceSettings() {
        return socktraceSettings(false);
    }

    /** socktrace's own settings; for a capture session ({@code profile}) the periodic events every second. */
    public static Map<String, String> socktraceSettings(boolean profile) {
        Map<String, String> settings = new LinkedHashMap<>();
        for (String[] event : EVENTS) {
            settings.put(event[0] + "#enabled", "true");
            if (isPeriodic(event)) {
                settings.put(event[0] + "#period", period(event, profile));
            } else {
                settings.put(event[0] + "#stackTrace", Boolean.toString(stackTrace(event, profile)));
                if (event[1] != null) {
                    settings.put(event[0] + "#threshold", event[1]);
                }
            }
        }
        for (String[] sampling : SAMPLING_SETTINGS) {
            settings.put(EventNames.SAMPLING + "#" + sampling[0], profile ? sampling[2] : sampling[1]);
        }
        return settings;
    }

    /** The JDK's configuration {@code jdkName} ("default" or "profile") plus socktrace's events. */
    public static Map<String, String> merged(String jdkName, boolean profile) throws IOException, ParseException {
        Map<String, String> settings = new LinkedHashMap<>(Configuration.getConfiguration(jdkName).getSettings());
        settings.putAll(socktraceSettings(profile));
        for (String jdkEvent : JDK_SOCKET_EVENTS) {
            if (profile) {
                settings.put(jdkEvent + "#threshold", "0 ms");
            } else {
                settings.put(jdkEvent + "#enabled", "false");
            }
        }
        return settings;
    }

    /** A complete {@code .jfc}: the JDK's {@code jdkName} configuration with socktrace's events added. */
    public static String jfc(String jdkName, boolean profile) throws IOException, ParseException {
        String contents = Configuration.getConfiguration(jdkName).getContents();
        for (String jdkEvent : JDK_SOCKET_EVENTS) {
            contents = profile ? zeroThreshold(contents, jdkEvent) : disable(contents, jdkEvent);
        }
        StringBuilder ours = new StringBuilder();
        ours.append("\n  <!-- socktrace: socket events recorded by the socktrace agent -->\n");
        for (String[] event : EVENTS) {
            ours.append("  <event name=\"").append(event[0]).append("\">\n");
            ours.append("    <setting name=\"enabled\">true</setting>\n");
            if (isPeriodic(event)) {
                ours.append("    <setting name=\"period\">").append(period(event, profile)).append("</setting>\n");
            } else {
                ours.append("    <setting name=\"stackTrace\">").append(stackTrace(event, profile)).append("</setting>\n");
                if (event[1] != null) {
                    ours.append("    <setting name=\"threshold\">").append(event[1]).append("</setting>\n");
                }
            }
            if (event[0].equals(EventNames.SAMPLING)) {
                for (String[] sampling : SAMPLING_SETTINGS) {
                    ours.append("    <setting name=\"").append(sampling[0]).append("\">").append(profile ? sampling[2] : sampling[1])
                            .append("</setting>\n");
                }
            }
            ours.append("  </event>\n");
        }
        int end = contents.lastIndexOf("</configuration>");
        if (end < 0) {
            throw new ParseException("no </configuration> in the JDK's " + jdkName + " settings", 0);
        }
        String label = profile ? "socktrace profile" : "socktrace";
        String description = profile
                ? "JDK profile settings, socket thresholds 0, plus socktrace events: for a session with a packet capture"
                : "JDK default settings plus socktrace's socket events (the JDK's SocketRead/SocketWrite off: Receive/Send record them)";
        String result = contents.substring(0, end) + ours + contents.substring(end);
        result = result.replaceFirst("label=\"[^\"]*\"", "label=\"" + label + "\"")
                .replaceFirst("description=\"[^\"]*\"", "description=\"" + description + "\"");
        Configuration.create(new StringReader(result)); // fails loudly if we broke the XML
        return result;
    }

    private static boolean stackTrace(String[] event, boolean profile) {
        String stack = event.length > 2 ? event[2] : "always";
        return stack.equals("always") || (stack.equals("profile") && profile);
    }

    /** A periodic event's period: the profile's 1 s in a capture session, except for the once-a-chunk events. */
    private static String period(String[] event, boolean profile) {
        String period = event[1].substring("period:".length());
        return profile && !period.endsWith("Chunk") ? PROFILE_PERIOD : period;
    }

    private static boolean isPeriodic(String[] event) {
        return event[1] != null && event[1].startsWith("period:");
    }

    private static String disable(String contents, String eventName) {
        return setInEvent(contents, eventName, "enabled", "false");
    }

    private static String zeroThreshold(String contents, String eventName) {
        return setInEvent(contents, eventName, "threshold", "0 ms");
    }

    /** Sets one setting of one event in a .jfc's text, keeping its attributes (such as {@code control}). */
    private static String setInEvent(String contents, String eventName, String setting, String value) {
        int event = contents.indexOf("<event name=\"" + eventName + "\">");
        if (event < 0) {
            return contents;
        }
        int close = contents.indexOf("</event>", event);
        String block = contents.substring(event, close)
                .replaceAll("<setting name=\"" + setting + "\"([^>]*)>[^<]*</setting>", "<setting name=\"" + setting + "\"$1>" + value + "</setting>");
        return contents.substring(0, event) + block + contents.substring(close);
    }

    /** Build step: writes both files into every directory given. */
    public static void main(String[] args) throws Exception {
        for (String dir : args) {
            Path out = Path.of(dir);
            Files.createDirectories(out);
            Files.writeString(out.resolve("socktrace.jfc"), jfc("default", false), StandardCharsets.UTF_8);
            Files.writeString(out.resolve("socktrace-profile.jfc"), jfc("profile", true), StandardCharsets.UTF_8);
        }
    }
}
