package io.socktrace.correlator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.socktrace.correlator.flow.TcpFlow;
import io.socktrace.correlator.join.Correlation;
import io.socktrace.correlator.jvm.JvmConnection;
import io.socktrace.correlator.jvm.LoopbackLoad;
import io.socktrace.correlator.jvm.RecordingReader;
import io.socktrace.correlator.jvm.RecordingSampling;
import io.socktrace.testsupport.AgentOutput;
import io.socktrace.testsupport.LoopbackCapture;
import io.socktrace.testsupport.Stopping;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A recording made with the agent's default settings (normal connections sampled, 100 per second
 * and direction) joined to the capture of the same loopback churn, and one made with
 * {@code settings=profile} for contrast: the sampled recording's connections are all joined to
 * their flows, the report names the sampling, and every flow of the churn left without a
 * connection is labelled as possibly sampled out, never as a stranger. Root and tcpdump, else
 * skipped (as the other capture tests).
 */
class SampledRecordingEndToEndTest {
    private static final Path AGENT = Path.of("../agent/target/socktrace-agent.jar").toAbsolutePath();
    private static final Pattern DONE = Pattern.compile("done connections (\\d+) exchanges \\d+ seconds ([\\d.]+)");

    @TempDir
    Path dir;

    /** What one run of the churn left: the capture, the recording, and how many connections it made in how long. */
    private static final class Run {
        Path pcap;
        Path jfr;
        int port;
        int connections;
        double seconds;
    }

    private Run churn(String agentOptions, int connections) throws Exception {
        Run run = new Run();
        run.pcap = dir.resolve("churn.pcap");
        run.jfr = dir.resolve("churn.jfr");
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        run.port = port;
        Path out = dir.resolve("churn.txt");
        try (LoopbackCapture capture = LoopbackCapture.start(run.pcap);
                Stopping load = Stopping.of(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-javaagent:" + AGENT + "=recording=" + run.jfr + agentOptions,
                        "-cp", Path.of("target/test-classes").toAbsolutePath().toString(), LoopbackLoad.class.getName(),
                        Integer.toString(port), Integer.toString(connections), "2", "4", "60")
                        .redirectErrorStream(true).redirectOutput(out.toFile()).start())) {
            assertThat(load.process().waitFor(120, TimeUnit.SECONDS)).isTrue();
            String printed = Files.readString(out);
            assertThat(load.process().exitValue()).as(printed).isZero();
            AgentOutput.assertNoInternalErrors("LoopbackLoad under the agent", printed);
            Matcher m = DONE.matcher(printed);
            assertThat(m.find()).as(printed).isTrue();
            run.connections = Integer.parseInt(m.group(1));
            run.seconds = Double.parseDouble(m.group(2));
            Thread.sleep(300);
            capture.stop();
        }
        assertThat(run.connections).isEqualTo(connections);
        return run;
    }

    private static String correlate(Run run, Path json) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"correlate", "--pcap", run.pcap.toString(), "--jfr", run.jfr.toString(), "--json", json.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void defaultSettings_joinWhatWasRecorded_andLabelTheRestPossiblySampledOut() throws Exception {
        // 3,000 connections in a few seconds: far above 100 per second, so most are sampled out
        Run run = churn("", 3000);
        RecordingSampling sampling = new RecordingSampling();
        List<JvmConnection> recorded = RecordingReader.read(run.jfr, sampling);
        assertThat(sampling.known()).isTrue();
        assertThat(sampling.sampled()).isTrue();
        assertThat(sampling.connectionsPerSecond()).isEqualTo(100);

        long clients = recorded.stream().filter(c -> c.side() == JvmConnection.Side.CLIENT).count();
        long servers = recorded.stream().filter(c -> c.side() == JvmConnection.Side.SERVER).count();
        assertThat(clients).isBetween(1L, run.connections - 1L);
        assertThat(servers).isBetween(1L, run.connections - 1L);
        // the fast ones were sampled, each direction within its rate (the slow ones are recorded
        // whatever the rate); a second of slack for the JVM's start and the windows' edges
        long allowed = (long) (100 * (Math.ceil(run.seconds) + 2));
        assertThat(recorded.stream().filter(c -> c.connect() != null && c.connect().durationNanos < sampling.slowConnectNanos()).count())
                .isBetween(1L, allowed);
        assertThat(recorded.stream().filter(c -> c.accept() != null && c.accept().durationNanos < sampling.slowConnectNanos()).count())
                .isLessThanOrEqualTo(allowed);

        List<TcpFlow> flows = TestCaptures.flows(run.pcap);
        Correlation correlation = Correlation.of(recorded, flows, sampling);
        // every recorded connection found its own flow: same ports, both ends
        for (Correlation.Joined j : correlation.connections) {
            assertThat(j.flow).as("%s", j.connection).isNotNull();
            int local = j.connection.localPort();
            int remote = j.connection.remotePort();
            if (j.connection.side() == JvmConnection.Side.CLIENT) {
                assertThat(new int[] {j.flow.clientPort(), j.flow.serverPort()}).containsExactly(local, remote);
            } else {
                assertThat(new int[] {j.flow.clientPort(), j.flow.serverPort()}).containsExactly(remote, local);
            }
        }
        // a flow of the churn is left without a connection only when both its ends were sampled out,
        // and each such flow reached this JVM's listener while it recorded: possibly sampled out, all
        // of them (loopback may carry other programs' flows too: those are strangers)
        java.util.Set<Long> joinedFlows = new java.util.HashSet<>();
        for (Correlation.Joined j : correlation.connections) {
            joinedFlows.add(TcpFlow.portKey(j.flow.clientPort(), j.flow.serverPort()));
        }
        long churnFlows = flows.stream().filter(f -> f.serverPort() == run.port).count();
        assertThat(churnFlows).isEqualTo(run.connections);
        long unjoined = churnFlows - joinedFlows.size();
        assertThat(unjoined).isGreaterThan(run.connections / 2);
        assertThat(correlation.possiblySampledOutCount).isEqualTo(unjoined);
        assertThat(correlation.unmatchedFlows).isNotEmpty();
        for (TcpFlow f : correlation.unmatchedFlows) {
            assertThat(correlation.possiblySampledOut(f)).as(f.describe()).isEqualTo(f.serverPort() == run.port);
        }

        Path json = dir.resolve("sampled.json");
        String text = correlate(run, json);
        assertThat(text).contains("sampling: normal connections sampled, at most 100 per second and direction; abnormal ones always recorded")
                .contains("note: flows of this JVM without a recorded connection may be sampled-out connections rather than strangers;"
                        + " record with settings=profile for a full join")
                .contains("; " + unjoined + " of them on a port of this JVM while it recorded: possibly sampled out\n");
        String unmatchedPart = text.substring(text.indexOf("\nflows without a JVM connection:"));
        // the list stops at 1,000 in capture order: other programs' loopback traffic may fill it
        assertThat(unmatchedPart.lines().filter(l -> l.startsWith("  ") && l.contains(" -> 127.0.0.1:" + run.port + " ")))
                .hasSize((int) correlation.unmatchedFlows.stream().filter(correlation::possiblySampledOut).count())
                .allMatch(l -> l.endsWith("  (possibly sampled out)"));
        assertThat(unmatchedPart.lines().filter(l -> l.startsWith("  ") && !l.contains(" -> 127.0.0.1:" + run.port + " ")))
                .noneMatch(l -> l.contains("possibly sampled out"));
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertThat(root.get("sampling").get("connectionsPerSecond").asLong()).isEqualTo(100);
        assertThat(root.get("sampling").get("sampled").asBoolean()).isTrue();
        assertThat(root.get("summary").get("connections").asInt()).isEqualTo((int) (clients + servers));
        assertThat(root.get("summary").get("possiblySampledOut").asLong()).isEqualTo(unjoined);
        for (JsonNode f : root.get("unmatchedFlows")) {
            assertThat(f.get("possiblySampledOut").asBoolean()).isEqualTo(f.get("server").get("port").asInt() == run.port);
        }
        if (sampling.counted()) {
            // the statistics count what the recording left out, exactly, up to their last period
            assertThat(sampling.connects()).isLessThanOrEqualTo(run.connections);
            assertThat(sampling.connectionsNotRecorded()).isLessThanOrEqualTo(2L * run.connections - clients - servers);
            assertThat(text).contains(" the JVM made " + sampling.connects() + " connect" + (sampling.connects() == 1 ? "" : "s")
                    + " and accepted " + sampling.accepted() + ", " + sampling.connectionsNotRecorded() + " of them not recorded");
        }
    }

    @Test
    void profileSettings_recordEveryConnection_andSaySo() throws Exception {
        Run run = churn(",settings=profile", 600);
        RecordingSampling sampling = new RecordingSampling();
        List<JvmConnection> recorded = RecordingReader.read(run.jfr, sampling);
        assertThat(sampling.known()).isTrue();
        assertThat(sampling.sampled()).isFalse();
        assertThat(recorded.stream().filter(c -> c.side() == JvmConnection.Side.CLIENT).count()).isEqualTo(run.connections);
        assertThat(recorded.stream().filter(c -> c.side() == JvmConnection.Side.SERVER).count()).isEqualTo(run.connections);

        String text = correlate(run, dir.resolve("profile.json"));
        assertThat(text).contains("connections " + 2 * run.connections + ", flows without a JVM connection ")
                .contains("sampling: off, every connection recorded").doesNotContain("note:").doesNotContain("possibly sampled out");
        // every flow of the churn joined: none among those listed without a connection
        int unmatched = text.indexOf("\nflows without a JVM connection:");
        assertThat(unmatched < 0 ? "" : text.substring(unmatched)).doesNotContain(" -> 127.0.0.1:" + run.port + " ");
    }
}
