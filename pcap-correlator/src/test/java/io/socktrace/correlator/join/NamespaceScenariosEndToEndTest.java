package io.socktrace.correlator.join;

import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.correlator.capture.CaptureReader;
import io.socktrace.correlator.capture.PacketCursor;
import io.socktrace.correlator.flow.FlowTracker;
import io.socktrace.correlator.jvm.RecordingReader;
import io.socktrace.testsupport.AgentOutput;
import io.socktrace.testsupport.Requirement;
import io.socktrace.testsupport.Requirements;
import io.socktrace.testsupport.Stopping;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's {@code peer-vanished} scenario end to end, as {@code ./socktrace demo} runs it as root:
 * the real demo jar under the real agent, in a network namespace it makes, capturing that
 * namespace's loopback beside its recording; the correlator then joins the two, and both views say
 * the same thing: the agent's Reset PEER_VANISHED and the wire's PEER_VANISHED finding (the peer
 * silent for seconds, our packets unanswered), for the reader (keepalive) and the writer
 * (retransmissions).
 */
class NamespaceScenariosEndToEndTest {
    private static final Path AGENT = Path.of("../agent/target/socktrace-agent.jar").toAbsolutePath();
    private static final Path DEMO = Path.of("../demo-app/target/socktrace-demo.jar").toAbsolutePath();

    @TempDir
    Path dir;

    private String output;

    /** Runs a namespace scenario of the demo under the agent and joins its namespace's recording to its capture. */
    private Correlation runAndCorrelate(String scenario) throws Exception {
        Requirements.require(Requirement.root(), Requirement.command("ip", "iproute2"), Requirement.command("iptables", "iptables"),
                Requirement.command("tcpdump", "tcpdump"));
        Path jfr = dir.resolve(scenario + ".jfr");
        Path out = dir.resolve("out.txt");
        try (Stopping demo = Stopping.of(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-javaagent:" + AGENT + "=recording=" + jfr + ",settings=profile", "-jar", DEMO.toString(), scenario)
                .redirectErrorStream(true).redirectOutput(out.toFile()).start())) {
            assertThat(demo.process().waitFor(90, TimeUnit.SECONDS)).isTrue();
            output = Files.readString(out);
            assertThat(demo.process().exitValue()).as(output).isZero();
        }
        AgentOutput.assertNoInternalErrors("the " + scenario + " demo", output);
        Path namespaceJfr = dir.resolve(scenario + "-netns.jfr");
        Path namespacePcap = dir.resolve(scenario + "-netns.pcap");
        assertThat(output).contains("capture: " + namespacePcap);
        assertThat(namespaceJfr).exists();
        assertThat(namespacePcap).exists();

        CorrelationBuilder joiner = new CorrelationBuilder(RecordingReader.read(namespaceJfr));
        FlowTracker tracker = new FlowTracker(joiner::offer);
        try (CaptureReader reader = CaptureReader.open(namespacePcap, false)) {
            PacketCursor packet = new PacketCursor();
            while (reader.next(packet)) {
                tracker.accept(packet);
            }
            tracker.finish();
        }
        return joiner.build();
    }

    @Test
    void portExhaustion_theFailedConnectIsNoLocalPort_notAMissingCapture() throws Exception {
        Correlation correlation = runAndCorrelate("port-exhaustion");
        List<Correlation.Joined> failed = correlation.connections.stream()
                .filter(j -> j.connection.connect() != null && "NO_LOCAL_PORT".equals(j.connection.connect().outcome)).collect(Collectors.toList());
        assertThat(failed).hasSize(1);
        assertThat(failed.get(0).flow).isNull();
        assertThat(failed.get(0).findings).extracting(f -> f.code).containsExactly("NO_LOCAL_PORT");
        assertThat(failed.get(0).findings.get(0).text).contains("no free local port toward 127.0.0.1:5557")
                .contains("10 connections of this JVM to it had closed first within the 60 s before");
        // the ten that held the range: on the wire, closed by us first, nothing to explain
        List<Correlation.Joined> held = correlation.connections.stream()
                .filter(j -> j.connection.side() == io.socktrace.correlator.jvm.JvmConnection.Side.CLIENT && j.flow != null)
                .collect(Collectors.toList());
        assertThat(held).hasSize(10).allSatisfy(j -> assertThat(j.findings).isEmpty());
        assertThat(correlation.connections).flatExtracting(j -> j.findings).extracting(f -> f.code).doesNotContain("NO_PACKETS");
    }

    @Test
    void peerVanished_capturedInItsNamespace_theWireAndTheAgentAgree() throws Exception {
        Correlation correlation = runAndCorrelate("peer-vanished");

        for (String role : List.of("reader", "writer")) {
            Matcher m = Pattern.compile("socket " + role + " (\\d+) -> (\\d+)").matcher(output);
            assertThat(m.find()).as(output).isTrue();
            int local = Integer.parseInt(m.group(1));
            int remote = Integer.parseInt(m.group(2));
            Correlation.Joined joined = correlation.connections.stream()
                    .filter(j -> j.connection.localPort() == local && j.connection.remotePort() == remote).findFirst().orElseThrow();
            assertThat(joined.flow).as("%s joined to its flow", role).isNotNull();
            List<Finding> vanished = joined.findings.stream().filter(f -> f.code.equals("PEER_VANISHED")).collect(Collectors.toList());
            assertThat(vanished).as("%s: %s", role, joined.findings).hasSize(1);
            Matcher silent = Pattern.compile("its last packet (\\d+)\\.\\d ms before the failure, (\\d+) packets? of ours after it unanswered")
                    .matcher(vanished.get(0).text);
            assertThat(silent.find()).as(vanished.get(0).text).isTrue();
            // keepalive: idle 1 s and two probes 1 s apart; retransmissions: tcp_retries2 = 3, seconds of backoff
            assertThat(Long.parseLong(silent.group(1))).as(vanished.get(0).text).isBetween(2_500L, 20_000L);
            assertThat(Integer.parseInt(silent.group(2))).as(vanished.get(0).text).isGreaterThanOrEqualTo(2);
            assertThat(vanished.get(0).text).endsWith("Connection timed out");
        }
    }
}
