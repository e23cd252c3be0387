package io.socktrace.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
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
}
