package io.socktrace.correlator.join;

import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.correlator.capture.CaptureReader;
import io.socktrace.correlator.capture.PacketCursor;
import io.socktrace.correlator.flow.FlowTracker;
import io.socktrace.correlator.jvm.RecordingReader;
import io.socktrace.testsupport.AgentOutput;
import io.socktrace.testsupport.LoopbackCapture;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PEER_SLOW and RETRANSMISSION from a real capture: {@link WirePeer} runs under the real agent
 * while tcpdump records loopback; its lossy mode drops the server's answer with iptables for
 * 700 ms (root, tcpdump and iptables, else skipped; CI has all three), so the kernel retransmits it. The slow exchange once more over
 * {@code ::1} checks that IPv6 connections join (Java and capture tools write IPv6 differently).
 */
class WireFindingsEndToEndTest {
    private static final Path AGENT = Path.of("../agent/target/socktrace-agent.jar").toAbsolutePath();
    private static final Pattern SOCKET = Pattern.compile("^socket (\\S+) (\\S+):(\\d+) -> (\\S+):(\\d+)$", Pattern.MULTILINE);

    @TempDir
    static Path dir;
    private static String output;
    private static Correlation correlation;

    @BeforeAll
    static void run() throws Exception {
        Path pcap = dir.resolve("wire.pcap");
        Path jfr = dir.resolve("wire.jfr");
        // lossy mode adds an iptables rule: WirePeer deletes it, removeLeftoverRules if WirePeer was killed
        Requirements.require(Requirement.root(), Requirement.command("tcpdump", "tcpdump"), Requirement.command("iptables", "iptables"));
        Path out = dir.resolve("out.txt");
        try (LoopbackCapture capture = LoopbackCapture.start(pcap);
                Stopping program = Stopping.of(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-javaagent:" + AGENT + "=recording=" + jfr, "-cp", Path.of("target/test-classes").toAbsolutePath().toString(),
                        WirePeer.class.getName(), "slow", "lossy", "late-accept", "ipv6", "unread-fin")
                        .redirectErrorStream(true).redirectOutput(out.toFile()).start())) {
            assertThat(program.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
            output = Files.readString(out);
            assertThat(program.process().exitValue()).as(output).isZero();
            AgentOutput.assertNoInternalErrors("WirePeer under the agent", output);
            assertThat(output).contains("slow: answer of 1000 bytes", "lossy: answer of 1000 bytes", "late-accept: answer of 1000 bytes",
                    "ipv6: answer of 1000 bytes", "unread-fin: answer of 1000 bytes");
            Thread.sleep(300);
            capture.stop();
        } finally {
            removeLeftoverRules();
        }

        CorrelationBuilder joiner = new CorrelationBuilder(RecordingReader.read(jfr));
        FlowTracker tracker = new FlowTracker(joiner::offer);
        try (CaptureReader reader = CaptureReader.open(pcap, false)) {
            PacketCursor packet = new PacketCursor();
            while (reader.next(packet)) {
                tracker.accept(packet);
            }
            tracker.finish();
        }
        correlation = joiner.build();
    }

    /**
     * Deletes the lossy mode's iptables rule if it is still there: WirePeer deletes it in a finally,
     * but not if it was killed (a timeout above) while the rule was in place.
     */
    private static void removeLeftoverRules() throws Exception {
        Process list = new ProcessBuilder("iptables", "-w", "5", "-S", "INPUT").redirectErrorStream(true).start();
        String rules = new String(list.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(list.waitFor(10, TimeUnit.SECONDS)).as(rules).isTrue();
        for (String rule : rules.lines().filter(l -> l.startsWith("-A ") && l.contains(WirePeer.RULE_COMMENT)).collect(Collectors.toList())) {
            List<String> delete = new java.util.ArrayList<>(List.of("iptables", "-w", "5", "-D"));
            delete.addAll(List.of(rule.substring(3).split(" ")));
            Process p = new ProcessBuilder(delete).inheritIO().start();
            assertThat(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0).as("iptables -D %s", rule).isTrue();
        }
    }

    private static Correlation.Joined joined(String role, boolean serverSide) {
        Matcher m = SOCKET.matcher(output);
        while (m.find()) {
            if (m.group(1).equals(role)) {
                int clientPort = Integer.parseInt(m.group(3));
                int serverPort = Integer.parseInt(m.group(5));
                Correlation.Joined joined = correlation.connections.stream()
                        .filter(j -> serverSide ? j.connection.localPort() == serverPort && j.connection.remotePort() == clientPort
                                : j.connection.localPort() == clientPort && j.connection.remotePort() == serverPort)
                        .findFirst().orElseThrow();
                assertThat(joined.flow).isNotNull();
                return joined;
            }
        }
        throw new AssertionError("no " + role + " in\n" + output);
    }

    private static List<Finding> findings(String role, boolean serverSide) {
        return joined(role, serverSide).findings;
    }

    private static List<String> codes(List<Finding> findings) {
        return findings.stream().map(f -> f.code).collect(Collectors.toList());
    }

    @Test
    void aClientThatNeverReadTheEndOfStream_theAgentSaysPeer_andTheWireSaysCloseWait() {
        // the agent asked the kernel at close (the application never read -1): the server closed first
        Correlation.Joined client = joined("unread-fin-client", false);
        assertThat(client.connection.closeInitiator()).isEqualTo("PEER");
        assertThat(codes(client.findings)).containsExactly("CLOSE_WAIT");
        Matcher m = Pattern.compile("the peer closed \\(FIN\\) and ours followed (\\d+)\\.\\d ms later").matcher(client.findings.get(0).text);
        assertThat(m.find()).as(client.findings.get(0).text).isTrue();
        assertThat(Long.parseLong(m.group(1))).isBetween(1_150L, 3_000L);
        // the server half-closed first: LOCAL, and nothing left waiting on its side
        Correlation.Joined server = joined("unread-fin-client", true);
        assertThat(server.connection.closeInitiator()).isEqualTo("LOCAL");
        assertThat(codes(server.findings)).isEmpty();
    }

    @Test
    void slowServer_isPeerSlowWithTheAnswerDelayAndTheBlockedRead() {
        List<Finding> client = findings("slow-client", false);
        assertThat(codes(client)).containsExactly("PEER_SLOW");
        Matcher m = Pattern.compile("acknowledged our data after (\\d+) µs, but the application answered (\\d+)\\.\\d ms after it, "
                + "with no packet lost; the longest read here waited (\\d+)\\.\\d ms").matcher(client.get(0).text);
        assertThat(m.find()).as(client.get(0).text).isTrue();
        assertThat(Long.parseLong(m.group(1))).isLessThan(250_000); // a delayed ACK at worst, long before the answer
        assertThat(Long.parseLong(m.group(2))).isBetween(595L, 900L);
        assertThat(Long.parseLong(m.group(3))).isBetween(590L, 900L);
        assertThat(codes(findings("slow-client", true))).as("the server's view: it was the slow one").isEmpty();
    }

    @Test
    void droppedAnswer_isRetransmissionOnBothEnds_notPeerSlow() {
        List<Finding> client = findings("lossy-client", false);
        assertThat(codes(client)).containsExactly("RETRANSMISSION");
        Matcher m = Pattern.compile("the peer sent (\\d+) segments? \\((\\d+) B\\) again, (\\d+)\\.\\d ms lost waiting").matcher(client.get(0).text);
        assertThat(m.find()).as(client.get(0).text).isTrue();
        // dropped for 700 ms: retransmitted at ~0.2 and ~0.6 s (loopback RTO 200 ms, doubling), delivered at ~1.4 s
        assertThat(Integer.parseInt(m.group(1))).isBetween(2, 5);
        assertThat(Long.parseLong(m.group(2))).isEqualTo(1000L * Integer.parseInt(m.group(1)));
        assertThat(Long.parseLong(m.group(3))).isBetween(700L, 3000L);
        List<Finding> server = findings("lossy-client", true);
        assertThat(codes(server)).containsExactly("RETRANSMISSION");
        assertThat(server.get(0).text).startsWith("we sent " + m.group(1) + " segment");
    }

    @Test
    void lateAccept_isAcceptDelayOnTheServer_andPeerSlowOnTheClient() {
        List<Finding> server = findings("late-accept-client", true);
        assertThat(codes(server)).containsExactly("ACCEPT_DELAY");
        Matcher m = Pattern.compile("the server accepted (\\d+)\\.\\d ms after the handshake completed").matcher(server.get(0).text);
        assertThat(m.find()).as(server.get(0).text).isTrue();
        assertThat(Long.parseLong(m.group(1))).isBetween(450L, 900L);
        assertThat(codes(findings("late-accept-client", false))).containsExactly("PEER_SLOW");
    }

    @Test
    void ipv6Loopback_joinsBothEnds_andIsPeerSlow() {
        Correlation.Joined client = joined("ipv6-client", false);
        assertThat(client.connection.remoteAddress().getHostAddress()).isEqualTo("0:0:0:0:0:0:0:1");
        assertThat(client.flow.serverAddress()).isEqualTo("::1");
        assertThat(client.flow.serverPort()).isEqualTo(client.connection.remotePort());
        assertThat(client.flow.clientPort()).isEqualTo(client.connection.localPort());
        assertThat(codes(client.findings)).containsExactly("PEER_SLOW");
        Correlation.Joined server = joined("ipv6-client", true);
        assertThat(server.flow).isSameAs(client.flow);
        assertThat(codes(server.findings)).isEmpty();
        // written as capture tools write it, so a line can be searched for in Wireshark's terms
        assertThat(io.socktrace.correlator.report.TextReport.of(correlation)).contains("client [::1]:" + client.connection.localPort() + " -> [::1]:"
                + client.connection.remotePort() + "  wire: SF");
        assertThat(io.socktrace.correlator.report.JsonReport.of(correlation)).contains("\"local\": {\"address\": \"::1\", \"port\": " + client.connection.localPort());
    }
}
