package io.socktrace.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import jdk.jfr.Configuration;
import jdk.jfr.EventType;
import jdk.jfr.Period;
import jdk.jfr.SettingDescriptor;
import org.junit.jupiter.api.Test;

/** The settings the agent's {@code settings=default|profile} option applies, and the .jfc files written from them, agree. */
class SettingsFilesTest {

    @Test
    void merged_profile_samplesTheKernelEverySecond_andRecordsTheJdksSocketEventsAtZero() throws Exception {
        Map<String, String> profile = SettingsFiles.merged("profile", true);
        for (String periodic : new String[] {"socktrace.TcpInfo", "socktrace.ListenQueue", "socktrace.NetworkStatistics"}) {
            assertThat(profile).containsEntry(periodic + "#period", "1 s").containsEntry(periodic + "#enabled", "true");
        }
        assertThat(profile).containsEntry("jdk.SocketRead#threshold", "0 ms").containsEntry("socktrace.Connect#threshold", "0 ms");
        assertThat(SettingsFiles.jfc("profile", true)).contains("<event name=\"socktrace.TcpInfo\">\n"
                + "    <setting name=\"enabled\">true</setting>\n    <setting name=\"period\">1 s</setting>");
    }

    @Test
    void merged_default_samplesEveryTenSeconds_andTurnsTheJdksSocketEventsOff() throws Exception {
        Map<String, String> defaults = SettingsFiles.merged("default", false);
        assertThat(defaults).containsEntry("socktrace.TcpInfo#period", "10 s").containsEntry("socktrace.NetworkStatistics#period", "10 s");
        assertThat(defaults).containsEntry("jdk.SocketRead#enabled", "false").containsEntry("jdk.SocketWrite#enabled", "false");
        assertThat(defaults).containsEntry("socktrace.CloseWaitLeak#stackTrace", "false").containsEntry("socktrace.Connect#stackTrace", "true")
                .containsEntry("socktrace.Reset#stackTrace", "true");
    }

    @Test
    void stackTrace_acceptAndClose_onlyInACaptureSession() throws Exception {
        Map<String, String> defaults = SettingsFiles.merged("default", false);
        Map<String, String> profile = SettingsFiles.merged("profile", true);
        for (String event : new String[] {"socktrace.Accept", "socktrace.Close"}) {
            assertThat(defaults).containsEntry(event + "#stackTrace", "false");
            assertThat(profile).containsEntry(event + "#stackTrace", "true");
        }
        assertThat(profile).containsEntry("socktrace.Leak#stackTrace", "false");
        assertThat(SettingsFiles.jfc("default", false)).contains("<event name=\"socktrace.Close\">\n"
                + "    <setting name=\"enabled\">true</setting>\n    <setting name=\"stackTrace\">false</setting>\n"
                + "    <setting name=\"threshold\">0 ms</setting>");
        assertThat(SettingsFiles.jfc("profile", true)).contains("<event name=\"socktrace.Close\">\n"
                + "    <setting name=\"enabled\">true</setting>\n    <setting name=\"stackTrace\">true</setting>");
    }

    /**
     * An event class's own defaults ({@code @StackTrace}, {@code @Period}, {@code @Threshold},
     * {@code @Enabled}, or JFR's where it declares none) are what a recording gets when its
     * settings do not name the event (a JDK {@code .jfc}, {@code jcmd JFR.start} without
     * socktrace's file): they agree with the shipped {@code socktrace.jfc}, the file the build
     * wrote, for every setting it gives.
     */
    @Test
    void annotationDefaults_agreeWithTheShippedDefaultJfc() throws Exception {
        Map<String, String> shipped = shippedSettings("/socktrace.jfc");
        Map<String, Class<? extends jdk.jfr.Event>> classes = SchemaTest.eventClasses();
        assertThat(classes.keySet()).containsExactlyInAnyOrderElementsOf(EventNames.AGENT_EVENTS);
        TreeSet<String> configured = SettingsFiles.socktraceSettings().keySet().stream().map(k -> k.substring(0, k.indexOf('#')))
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(configured).isEqualTo(new TreeSet<>(EventNames.AGENT_EVENTS));
        int compared = 0;
        for (Map.Entry<String, Class<? extends jdk.jfr.Event>> event : classes.entrySet()) {
            for (SettingDescriptor setting : EventType.getEventType(event.getValue()).getSettingDescriptors()) {
                String inFile = shipped.get(event.getKey() + "#" + setting.getName());
                if (inFile != null) {
                    assertThat(normalized(setting.getDefaultValue())).as("%s#%s: class default vs socktrace.jfc", event.getKey(), setting.getName())
                            .isEqualTo(normalized(inFile));
                    compared++;
                }
            }
            // JFR gives a periodic event its period setting only once registered as periodic (the agent does that): the annotation
            Period period = event.getValue().getAnnotation(Period.class);
            String periodInFile = shipped.get(event.getKey() + "#period");
            if (period != null || periodInFile != null) {
                assertThat(period == null ? null : normalized(period.value())).as("%s#period: @Period vs socktrace.jfc", event.getKey())
                        .isEqualTo(periodInFile == null ? null : normalized(periodInFile));
                compared++;
            }
            assertThat(shipped).as(event.getKey()).containsEntry(event.getKey() + "#enabled", "true");
        }
        // enabled for all 17, stackTrace for the 11 that are not periodic, threshold for the 5 with a duration, period for the 6 periodic
        assertThat(compared).isEqualTo(17 + 11 + 5 + 6);
    }

    /** Sampling: production defaults in socktrace.jfc, every connection in a capture session; kept through a .jfc round trip. */
    @Test
    void sampling_defaultSamples_profileRecordsEverything() throws Exception {
        assertThat(shippedSettings("/socktrace.jfc")).containsEntry("socktrace.Sampling#connections", "100/s")
                .containsEntry("socktrace.Sampling#abnormal", "100/s").containsEntry("socktrace.Sampling#slowConnect", "1 ms")
                .containsEntry("socktrace.Sampling#longCloseWait", "1 s").containsEntry("socktrace.Sampling#period", "beginChunk")
                .containsEntry("socktrace.EndpointStatistics#period", "10 s");
        assertThat(shippedSettings("/socktrace-profile.jfc")).containsEntry("socktrace.Sampling#connections", "off")
                .containsEntry("socktrace.Sampling#abnormal", "off").containsEntry("socktrace.Sampling#period", "beginChunk")
                .containsEntry("socktrace.EndpointStatistics#period", "1 s");
        assertThat(SettingsFiles.merged("default", false)).containsEntry("socktrace.Sampling#connections", "100/s");
        assertThat(SettingsFiles.merged("profile", true)).containsEntry("socktrace.Sampling#connections", "off");
    }

    @Test
    void shippedJfcFiles_areWhatSettingsFilesWrites() throws Exception {
        assertThat(shippedSettings("/socktrace.jfc")).containsAllEntriesOf(SettingsFiles.socktraceSettings(false));
        assertThat(shippedSettings("/socktrace-profile.jfc")).containsAllEntriesOf(SettingsFiles.socktraceSettings(true));
    }

    private static Map<String, String> shippedSettings(String resource) throws Exception {
        try (InputStream in = SettingsFiles.class.getResourceAsStream(resource)) {
            assertThat(in).as("%s written by the build", resource).isNotNull();
            return Configuration.create(new InputStreamReader(in, StandardCharsets.UTF_8)).getSettings();
        }
    }

    /** "0 ms" and "0 ns" are one threshold; other values (true, false, everyChunk) as they are. */
    private static String normalized(String value) {
        String[] parts = value.trim().split("\\s+");
        if (parts.length != 2 || !parts[0].matches("\\d+")) {
            return value.trim();
        }
        long n = Long.parseLong(parts[0]);
        switch (parts[1]) {
            case "ns": return n + " ns";
            case "us": return n * 1_000L + " ns";
            case "ms": return n * 1_000_000L + " ns";
            case "s": return n * 1_000_000_000L + " ns";
            case "m": return n * 60_000_000_000L + " ns";
            default: return value.trim();
        }
    }
}
