package io.socktrace.correlator.join;

import io.socktrace.correlator.TestCaptures;
import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.correlator.flow.TcpFlow;
import io.socktrace.correlator.jvm.JvmConnection;
import io.socktrace.correlator.jvm.RecordingReader;
import io.socktrace.testsupport.AgentOutput;
import io.socktrace.testsupport.LoopbackCapture;
import io.socktrace.testsupport.Stopping;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's failure scenarios under the real agent while tcpdump captures loopback (root and
 * tcpdump, else skipped; CI runs as root with tcpdump installed), then the recording joined to the capture: each scenario's
 * connection must get its finding, on the right 4-tuple, and the clocks must agree within 1 ms.
 * With {@code settings=profile}: NOT_ACCEPTED needs every accept of the listener in the recording,
 * which the default settings sample (SampledRecordingEndToEndTest covers those).
 */
class CorrelationEndToEndTest {

    private static final Path AGENT = Path.of("../agent/target/socktrace-agent.jar").toAbsolutePath();
    private static final Path DEMO = Path.of("../demo-app/target/socktrace-demo.jar").toAbsolutePath();
    private static final Pattern SOCKET = Pattern.compile("^   socket (\\S+) (\\S+):(\\d+) -> (\\S+):(\\d+)$", Pattern.MULTILINE);

    @TempDir
    static Path dir;
    private static String demoOutput;
    private static Correlation correlation;

    @BeforeAll
    static void captureTheDemo() throws Exception {
        Path pcap = dir.resolve("demo.pcap");
        Path jfr = dir.resolve("demo.jfr");
        Path out = dir.resolve("demo.txt");
        try (LoopbackCapture capture = LoopbackCapture.start(pcap);
                Stopping demo = Stopping.of(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-javaagent:" + AGENT + "=recording=" + jfr + ",settings=profile", "-jar", DEMO.toString(),
                        "refused", "connect-timeout", "reset", "broken-pipe", "read-timeout", "abort", "close-wait", "slow-reader",
                        "not-accepting")
                        .redirectErrorStream(true).redirectOutput(out.toFile()).start())) {
            assertThat(demo.process().waitFor(120, TimeUnit.SECONDS)).isTrue();
            demoOutput = Files.readString(out);
            assertThat(demo.process().exitValue()).as(demoOutput).isZero();
            AgentOutput.assertNoInternalErrors("the demo under the agent", demoOutput);
            Thread.sleep(500);
            capture.stop();
        }

        List<TcpFlow> flows = TestCaptures.flows(pcap);
        correlation = Correlation.of(RecordingReader.read(jfr), flows);
    }

    /** The findings of the connection whose local port the demo printed for this role in this scenario. */
    private static List<String> findings(String scenario, String role) {
        String section = demoOutput.substring(demoOutput.indexOf("== " + scenario + ":"));
        int next = section.indexOf("\n== ", 3);
        section = next < 0 ? section : section.substring(0, next);
        Matcher m = SOCKET.matcher(section);
        while (m.find()) {
            if (m.group(1).equals(role)) {
                int local = Integer.parseInt(m.group(3));
                int remote = Integer.parseInt(m.group(5));
                Correlation.Joined joined = correlation.connections.stream()
                        .filter(j -> j.connection.localPort() == local && j.connection.remotePort() == remote).findFirst().orElseThrow();
                assertThat(joined.flow).as("%s %s has its flow", scenario, role).isNotNull();
                return joined.findings.stream().map(f -> f.code).collect(Collectors.toList());
            }
        }
        throw new AssertionError("no " + role + " in " + scenario + ":\n" + section);
    }

    private static List<Finding> targetFindings(String scenario, String role) {
        String section = demoOutput.substring(demoOutput.indexOf("== " + scenario + ":"));
        Matcher m = Pattern.compile("^   target " + role + " (\\S+):(\\d+)$", Pattern.MULTILINE).matcher(section);
        assertThat(m.find()).isTrue();
        int port = Integer.parseInt(m.group(2));
        return correlation.connections.stream().filter(j -> j.connection.remotePort() == port
                        && j.connection.side() == JvmConnection.Side.CLIENT && j.connection.connect() != null
                        && !"CONNECTED".equals(j.connection.connect().outcome))
                .flatMap(j -> j.findings.stream()).collect(Collectors.toList());
    }

    @Test
    void refused_isRefusedOnTheWire() {
        List<Finding> refused = targetFindings("refused", "client");
        assertThat(refused).extracting(f -> f.code).containsExactly("REFUSED");
        assertThat(refused.get(0).text).contains("RST/ACK").contains("(REJ)");
    }

    @Test
    void connectTimeout_isSynTimeoutWithTheRetransmittedSyns() {
        // the fillers that found the queue full timed out too (after 200 ms); the client gave 1.5 s
        Pattern gaveUp = Pattern.compile("gave up after (\\d+)\\.\\d ms");
        List<Finding> timedOut = targetFindings("connect-timeout", "client").stream().filter(f -> {
            Matcher m = gaveUp.matcher(f.text);
            return m.find() && Long.parseLong(m.group(1)) > 1000;
        }).collect(Collectors.toList());
        assertThat(timedOut).extracting(f -> f.code).containsExactly("SYN_TIMEOUT");
        assertThat(timedOut.get(0).text).containsPattern("connect gave up after 1[45]\\d\\d\\.\\d ms");
        // 1.5 s: the first SYN and its retransmission after 1 s
        assertThat(timedOut.get(0).text).startsWith("2 SYNs, no answer").contains("(S0)");
    }

    @Test
    void reset_isPeerResetOnTheClient_andLocalAbortOnTheServer() {
        assertThat(findings("reset", "client")).containsExactly("PEER_RESET");
        assertThat(findings("reset", "server")).containsExactly("LOCAL_ABORT");
    }

    @Test
    void brokenPipe_isWriteAfterPeerClose() {
        assertThat(findings("broken-pipe", "client")).containsExactly("WRITE_AFTER_PEER_CLOSE");
    }

    @Test
    void abort_isLocalAbortOnBothClients() {
        assertThat(findings("abort", "client1")).containsExactly("LOCAL_ABORT");
        assertThat(findings("abort", "client2")).containsExactly("LOCAL_ABORT");
        assertThat(findings("abort", "server2")).containsExactly("PEER_RESET");
        // server1 wrote all it wrote before client1's FIN; client1 then closed with it unread: the
        // RST was client1's abort, not an answer to a write after the FIN
        assertThat(findings("abort", "server1")).containsExactly("PEER_RESET");
    }

    @Test
    void closeWait_isCloseWaitOnTheServer() {
        assertThat(findings("close-wait", "server1")).containsExactly("CLOSE_WAIT");
        assertThat(findings("close-wait", "client1")).isEmpty();
    }

    @Test
    void slowReader_isZeroWindowWithTheBlockedSend() {
        // a tail-loss probe into the full window may add a small RETRANSMISSION; the zero window is the story
        assertThat(findings("slow-reader", "client")).contains("ZERO_WINDOW").doesNotContain("PEER_SLOW", "PEER_RESET");
        Finding zero = finding("slow-reader", "client", "ZERO_WINDOW");
        assertThat(zero.text).matches("send blocked (1[5-9]|2\\d)\\d\\d\\.\\d ms while the peer advertised a zero window for .*");
    }

    @Test
    void notAccepting_queuedClientsAreNotAccepted() {
        assertThat(findings("not-accepting", "queued1")).contains("NOT_ACCEPTED");
        assertThat(findings("not-accepting", "client1")).doesNotContain("NOT_ACCEPTED");
    }

    private static Finding finding(String scenario, String role, String code) {
        String section = demoOutput.substring(demoOutput.indexOf("== " + scenario + ":"));
        Matcher m = SOCKET.matcher(section);
        while (m.find()) {
            if (m.group(1).equals(role)) {
                int local = Integer.parseInt(m.group(3));
                return correlation.connections.stream().filter(j -> j.connection.localPort() == local)
                        .flatMap(j -> j.findings.stream()).filter(f -> f.code.equals(code)).findFirst().orElseThrow();
            }
        }
        throw new AssertionError(role);
    }

    @Test
    void readTimeout_isReadTimeout() {
        assertThat(findings("read-timeout", "client")).containsExactly("READ_TIMEOUT");
    }

    @Test
    void json_carriesTheConnectionsFindingsAndCounts() throws Exception {
        com.fasterxml.jackson.databind.JsonNode root = new com.fasterxml.jackson.databind.ObjectMapper().readTree(io.socktrace.correlator.report.JsonReport.of(correlation));
        assertThat(root.get("clockOffsetNanos").asLong()).isEqualTo(correlation.clockOffsetNanos);
        assertThat(root.get("summary").get("connections").asInt()).isEqualTo(correlation.connections.size());
        assertThat(root.get("summary").get("findings").get("REFUSED").asInt()).isEqualTo(1);
        assertThat(root.get("unmatchedFlows").size()).isEqualTo(correlation.unmatchedFlows.size());
        com.fasterxml.jackson.databind.JsonNode refused = null;
        for (com.fasterxml.jackson.databind.JsonNode c : root.get("connections")) {
            if (c.get("findings").size() > 0 && c.get("findings").get(0).get("code").asText().equals("REFUSED")) {
                refused = c;
            }
        }
        assertThat(refused).isNotNull();
        assertThat(refused.get("side").asText()).isEqualTo("client");
        assertThat(refused.get("zeekState").asText()).isEqualTo("REJ");
        assertThat(refused.get("remote").get("address").asText()).isEqualTo("127.0.0.1");
        assertThat(refused.get("packets").get("client").asLong()).isEqualTo(1);
        assertThat(refused.get("events").asInt()).isEqualTo(1);
        assertThat(refused.get("findings").get(0).get("text").asText()).contains("RST/ACK");
    }

    @Test
    void clocks_agreeWithinAMillisecond() {
        assertThat(correlation.offsetSamples).isGreaterThanOrEqualTo(5);
        assertThat(Math.abs(correlation.clockOffsetNanos)).isLessThan(1_000_000L);
        assertThat(io.socktrace.correlator.report.TextReport.of(correlation)).contains("clock offset").contains("REFUSED");
        // on the estimated offset, every client's first SYN left during its connect call
        for (Correlation.Joined j : correlation.connections) {
            JvmConnection.Call connect = j.connection.connect();
            if (j.flow != null && connect != null && j.flow.firstSynNanos() != TcpFlow.NONE) {
                long syn = j.flow.firstSynNanos() - correlation.clockOffsetNanos;
                assertThat(syn).as("%s", j.connection).isBetween(connect.startNanos, connect.endNanos());
            }
        }
    }
}
