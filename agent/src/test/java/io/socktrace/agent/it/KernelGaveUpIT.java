package io.socktrace.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.agent.it.AgentJvm.Result;
import io.socktrace.events.EventFields;
import io.socktrace.events.EventNames;
import io.socktrace.testsupport.Requirement;
import io.socktrace.testsupport.Requirements;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Failures where the kernel, not the peer, ends the story, run as the demo's scenarios in a
 * network namespace of their own (root, ip, iptables): a peer that vanishes (its packets dropped;
 * keepalive probes and retransmissions go unanswered until "Connection timed out"), and a client
 * that runs out of local ports (TIME_WAIT on a 10-port range; "Cannot assign requested address").
 * Each gets its own outcome, is recorded under the production defaults, and is counted.
 */
class KernelGaveUpIT {

    @BeforeEach
    void needsANamespace() {
        Requirements.require(Requirement.root(), Requirement.command("ip", "iproute2"), Requirement.command("iptables", "iptables"));
    }

    private static List<RecordedEvent> namespaceRecording(Result r) throws Exception {
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        assertThat(r.stdout).doesNotContain("UNEXPECTED").doesNotContain("skipped");
        Matcher recording = Pattern.compile("recording=(\\S+?\\.jfr)").matcher(String.join(" ", r.command));
        assertThat(recording.find()).isTrue();
        Path child = Path.of(recording.group(1).replaceFirst("\\.jfr$", "-netns.jfr"));
        assertThat(child).as("the namespace's JVM's own recording").exists();
        return RecordingFile.readAllEvents(child);
    }

    private static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
        return events.stream().filter(e -> e.getEventType().getName().equals(name)).collect(Collectors.toList());
    }

    private static int port(Result r, String role) {
        Matcher m = Pattern.compile("socket " + role + " (\\d+) -> ").matcher(r.stdout);
        assertThat(m.find()).as(r.stdout).isTrue();
        return Integer.parseInt(m.group(1));
    }

    @Test
    void peerVanished_theKernelGivesUp_peerVanishedOutcomesAndResets_withDefaults() throws Exception {
        // on JDK 22+ with native access the agent reads TCP_INFO: the Resets say what the kernel knew
        boolean tcpInfo = Runtime.version().feature() >= 22;
        Result r = AgentJvm.run("", tcpInfo ? List.of("--enable-native-access=ALL-UNNAMED") : List.of(),
                List.of("-jar", AgentJvm.DEMO_JAR.toString(), "peer-vanished"));
        List<RecordedEvent> events = namespaceRecording(r);
        int reader = port(r, "reader");
        int writer = port(r, "writer");

        // the reader waited in a read while the keepalive probes (idle 1 s, 2 probes 1 s apart) went unanswered
        List<RecordedEvent> receives = named(events, EventNames.RECEIVE).stream()
                .filter(e -> e.getInt(EventFields.LOCAL_PORT) == reader).collect(Collectors.toList());
        assertThat(receives).hasSize(1);
        RecordedEvent read = receives.get(0);
        assertThat(read.getString(EventFields.OUTCOME)).isEqualTo("PEER_VANISHED");
        assertThat(read.getString(EventFields.EXCEPTION_MESSAGE)).isEqualTo("Connection timed out");
        assertThat(read.getDuration()).isBetween(Duration.ofMillis(2_500), Duration.ofSeconds(20));

        // the writer's data went unacknowledged until tcp_retries2 (3) retransmissions were used up
        List<RecordedEvent> writerFailures = events.stream()
                .filter(e -> e.getEventType().getName().equals(EventNames.SEND) || e.getEventType().getName().equals(EventNames.RECEIVE))
                .filter(e -> e.getInt(EventFields.LOCAL_PORT) == writer).collect(Collectors.toList());
        assertThat(writerFailures).extracting(e -> e.getString(EventFields.OUTCOME)).containsExactly("PEER_VANISHED");

        // a Reset each, of the new kind, and their Closes come after an error
        List<RecordedEvent> resets = named(events, EventNames.RESET);
        assertThat(resets).extracting(e -> e.getInt(EventFields.LOCAL_PORT)).containsExactlyInAnyOrder(reader, writer);
        assertThat(resets).extracting(e -> e.getString(EventFields.KIND)).containsOnly("PEER_VANISHED");
        assertThat(resets).extracting(e -> e.getBoolean(EventFields.HANDLED_BY_JDK)).containsOnly(false);
        RecordedEvent writerReset = resets.stream().filter(e -> e.getInt(EventFields.LOCAL_PORT) == writer).findFirst().orElseThrow();
        RecordedEvent readerReset = resets.stream().filter(e -> e.getInt(EventFields.LOCAL_PORT) == reader).findFirst().orElseThrow();
        if (tcpInfo) {
            // the writer's segment went out and back again until the kernel gave up; the peer had been silent since
            assertThat(writerReset.getLong(EventFields.TOTAL_RETRANSMITS)).as("%s", writerReset).isGreaterThanOrEqualTo(3);
            assertThat(writerReset.getDuration(EventFields.SINCE_LAST_ACK)).isGreaterThanOrEqualTo(Duration.ofMillis(1_000));
            // the reader's peer stopped answering before the keepalive idle time and its probes ran out
            assertThat(readerReset.getDuration(EventFields.SINCE_LAST_ACK)).as("%s", readerReset).isGreaterThanOrEqualTo(Duration.ofMillis(2_000));
            assertThat(readerReset.getInt(EventFields.UNANSWERED_PROBES)).as("TCP_KEEPCNT").isEqualTo(2);
        } else {
            assertThat(resets).extracting(e -> e.getLong(EventFields.TOTAL_RETRANSMITS)).containsOnly(-1L);
            assertThat(resets).extracting(e -> e.getInt(EventFields.UNANSWERED_PROBES)).containsOnly(-1);
        }
        List<RecordedEvent> clientCloses = named(events, EventNames.CLOSE).stream()
                .filter(e -> e.getInt(EventFields.PORT) == 5556).collect(Collectors.toList());
        assertThat(clientCloses).hasSize(2).extracting(e -> e.getString(EventFields.INITIATOR)).containsOnly("AFTER_ERROR");
    }

    @Test
    void portExhaustion_theEleventhConnectFindsNoLocalPort_withDefaults() throws Exception {
        // the default settings, with EndpointStatistics every second so that one period closes in the run
        String jfc = io.socktrace.events.SettingsFiles.jfc("default", false);
        for (String periodic : List.of(EventNames.ENDPOINT_STATISTICS, EventNames.NETWORK_STATISTICS)) {
            jfc = jfc.replaceAll("(<event name=\"" + Pattern.quote(periodic) + "\">\\s*<setting name=\"enabled\">true</setting>\\s*"
                    + "<setting name=\"period\">)[^<]*", "$11 s");
        }
        assertThat(jfc).contains("<setting name=\"period\">1 s</setting>");
        Path settings = java.nio.file.Files.createTempFile(AgentJvm.WORK, "ports", ".jfc");
        java.nio.file.Files.writeString(settings, jfc);
        Result r = AgentJvm.demo("port-exhaustion", "settings=" + settings);
        List<RecordedEvent> events = namespaceRecording(r);
        List<RecordedEvent> connects = named(events, EventNames.CONNECT);
        List<RecordedEvent> connected = connects.stream().filter(e -> e.getString(EventFields.OUTCOME).equals("CONNECTED"))
                .collect(Collectors.toList());
        assertThat(connected).hasSize(10);
        assertThat(connected).extracting(e -> e.getInt(EventFields.LOCAL_PORT)).allMatch(p -> p >= 40000 && p <= 40009)
                .doesNotHaveDuplicates();
        List<RecordedEvent> failed = connects.stream().filter(e -> !e.getString(EventFields.OUTCOME).equals("CONNECTED"))
                .collect(Collectors.toList());
        assertThat(failed).hasSize(1);
        assertThat(failed.get(0).getString(EventFields.OUTCOME)).isEqualTo("NO_LOCAL_PORT");
        assertThat(failed.get(0).getString(EventFields.EXCEPTION_MESSAGE)).isEqualTo("Cannot assign requested address");
        assertThat(failed.get(0).getInt(EventFields.PORT)).isEqualTo(5557);
        // the client closed each first: its side holds the port in TIME_WAIT
        assertThat(named(events, EventNames.CLOSE).stream().filter(e -> e.getInt(EventFields.PORT) == 5557))
                .hasSize(10).extracting(e -> e.getString(EventFields.INITIATOR)).containsOnly("LOCAL");
        // and the statistics saw it coming: all 10 ports of the range held toward this endpoint
        List<RecordedEvent> rows = named(events, EventNames.ENDPOINT_STATISTICS).stream()
                .filter(e -> e.getString(EventFields.ROLE).equals("REMOTE") && e.getInt(EventFields.PORT) == 5557)
                .collect(Collectors.toList());
        assertThat(rows).isNotEmpty();
        assertThat(rows.stream().mapToLong(e -> e.getLong(EventFields.NO_LOCAL_PORT)).sum()).isEqualTo(1);
        assertThat(rows.stream().mapToLong(e -> e.getLong(EventFields.CONNECTED)).sum()).isEqualTo(10);
        // a period after the tenth close (the run waits 1.2 s after the failure) holds them all
        assertThat(rows.stream().mapToLong(e -> e.getLong(EventFields.TIME_WAIT_CONNECTIONS)).max().orElse(0)).isEqualTo(10);
        assertThat(rows.stream().mapToLong(e -> e.getLong(EventFields.LOCAL_PORTS_IN_USE)).max().orElse(0)).isEqualTo(10);
        assertThat(rows).extracting(e -> e.getLong(EventFields.LOCAL_PORT_RANGE)).containsOnly(10L);
        // and the JVM-wide view says the same: the whole range held, all of it in TIME_WAIT
        List<RecordedEvent> network = named(events, EventNames.NETWORK_STATISTICS);
        assertThat(network).isNotEmpty();
        assertThat(network.stream().mapToLong(e -> e.getLong(EventFields.TIME_WAIT)).max().orElse(0)).isEqualTo(10);
        assertThat(network.stream().mapToLong(e -> e.getLong(EventFields.LOCAL_PORTS_IN_USE)).max().orElse(0)).isEqualTo(10);
        assertThat(network).extracting(e -> e.getLong(EventFields.LOCAL_PORT_RANGE)).containsOnly(10L);
    }
}
