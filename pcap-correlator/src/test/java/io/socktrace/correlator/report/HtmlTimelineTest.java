package io.socktrace.correlator.report;

import io.socktrace.correlator.TestCaptures;
import static io.socktrace.correlator.TestCaptures.ACK;
import static io.socktrace.correlator.TestCaptures.FIN;
import static io.socktrace.correlator.TestCaptures.PSH;
import static io.socktrace.correlator.TestCaptures.RST;
import static io.socktrace.correlator.TestCaptures.SYN;
import static io.socktrace.correlator.TestCaptures.fixture;
import static io.socktrace.correlator.TestCaptures.ipv4;
import static io.socktrace.correlator.TestCaptures.ipv4Packet;
import static io.socktrace.correlator.TestCaptures.pcap;
import static io.socktrace.correlator.TestCaptures.tcp;
import static io.socktrace.correlator.jvm.TestConnections.call;
import static io.socktrace.correlator.jvm.TestConnections.client;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.socktrace.correlator.flow.TcpFlow;
import io.socktrace.correlator.join.Correlation;
import io.socktrace.correlator.join.Finding;
import io.socktrace.correlator.join.PacketIndex;
import io.socktrace.correlator.jvm.JvmConnection;
import io.socktrace.correlator.jvm.RecordingReader;
import io.socktrace.testsupport.Requirement;
import io.socktrace.testsupport.Requirements;
import io.socktrace.testsupport.Stopping;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTML timeline of the committed demo capture and recording (a real run of the demo's failure
 * scenarios under the agent, captured on loopback), checked by value: lanes, packets, calls and
 * their times in the embedded data, the header, self-containment, escaping, the caps on a long
 * synthetic flow, and, in headless Chromium, that the script really draws every lane.
 */
class HtmlTimelineTest {

    private static final Pattern DATA = Pattern.compile(
            "<script type=\"application/json\" id=\"timeline-data\">(.*?)</script>", Pattern.DOTALL);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CRAFTED_MESSAGE = "<script>alert(1)</script> & \"quoted\" </script><!-- \u2028";
    private static final String CRAFTED_HOST = "<img src=x onerror=alert(2)>&co";
    private static final long T0 = 1_700_000_000_000_000_000L;

    @TempDir
    static Path dir;

    private static Correlation demo;
    private static Path demoPage;
    private static String demoHtml;
    private static JsonNode demoData;

    @BeforeAll
    static void writeTheDemoTimeline() throws Exception {
        Path pcap = fixture("demo/demo.pcap");
        demo = correlate(pcap, RecordingReader.read(fixture("demo/demo.jfr")));
        demoPage = dir.resolve("demo.html");
        HtmlTimeline.write(PacketIndex.of(demo), pcap, List.of(fixture("demo/demo.jfr")), demoPage);
        demoHtml = Files.readString(demoPage);
        demoData = data(demoHtml);
    }

    private static Correlation correlate(Path pcap, List<JvmConnection> jvm) throws Exception {
        List<TcpFlow> flows = TestCaptures.flows(pcap);
        return Correlation.of(jvm, flows);
    }

    private static JsonNode data(String html) throws Exception {
        Matcher m = DATA.matcher(html);
        assertThat(m.find()).as("the page embeds its data").isTrue();
        return JSON.readTree(m.group(1));
    }

    private static JsonNode lane(JsonNode data, long connectionId) {
        for (JsonNode lane : data.get("lanes")) {
            if (lane.get("id").asLong() == connectionId) {
                return lane;
            }
        }
        throw new AssertionError("no lane for connection " + connectionId);
    }

    private static Correlation.Joined withFinding(String code) {
        return demo.connections.stream().filter(j -> j.findings.stream().anyMatch(f -> f.code.equals(code)))
                .findFirst().orElseThrow();
    }

    private static int bits(JsonNode packet) {
        return packet.get(1).asInt();
    }

    @Test
    void demo_oneLanePerJoinedConnection_inTheCorrelationsOrder() {
        List<Long> sections = new ArrayList<>();
        Matcher m = Pattern.compile("<section class=\"lane[^\"]*\" id=\"c(\\d+)\" data-connection=\"(\\d+)\"").matcher(demoHtml);
        while (m.find()) {
            assertThat(m.group(1)).isEqualTo(m.group(2));
            sections.add(Long.parseLong(m.group(2)));
        }
        List<Long> expected = demo.connections.stream().map(j -> j.connection.connectionId()).collect(Collectors.toList());
        assertThat(expected).hasSize(33);
        assertThat(sections).isEqualTo(expected);
        List<Long> lanes = new ArrayList<>();
        demoData.get("lanes").forEach(l -> lanes.add(l.get("id").asLong()));
        assertThat(lanes).isEqualTo(expected);
        // worst first: the first lane has two findings, connections without findings come last
        assertThat(demoHtml.indexOf("id=\"c32\"")).isLessThan(demoHtml.indexOf("id=\"c30\""));
    }

    @Test
    void demo_refusedLane_hasItsSynAndRstInsideAFailedConnectRefusedBar() {
        Correlation.Joined refused = withFinding("REFUSED");
        JsonNode lane = lane(demoData, refused.connection.connectionId());
        JsonNode calls = lane.get("calls");
        int connect = -1;
        for (int i = 0; i < calls.size(); i++) {
            if (calls.get(i).get(2).asText().equals("Connect")) {
                connect = i;
            }
        }
        assertThat(connect).isNotNegative();
        JsonNode bar = calls.get(connect);
        assertThat(bar.get(3).asText()).isEqualTo("REFUSED");
        assertThat(bar.get(6).asInt()).as("drawn as failed").isEqualTo(1);
        assertThat(bar.get(5).asText()).isEqualTo("Connection refused");

        JsonNode packets = lane.get("packets");
        assertThat(packets).hasSize(2);
        JsonNode syn = packets.get(0);
        JsonNode rst = packets.get(1);
        assertThat(bits(syn) & 0xff).isEqualTo(SYN);
        assertThat(bits(syn) & TimelineLane.FROM_PEER).as("the SYN is ours").isZero();
        assertThat(bits(rst) & 0xff).isEqualTo(RST | ACK);
        assertThat(bits(rst) & TimelineLane.FROM_PEER).as("the RST is the peer's").isNotZero();
        long synToRst = rst.get(0).asLong() - syn.get(0).asLong();
        assertThat(synToRst).isEqualTo(refused.flow.server().rstNanos() - refused.flow.firstSynNanos()).isBetween(1_000L, 1_000_000L);
        // both fell inside the connect call once it is moved onto the capture's clock
        long barStart = bar.get(0).asLong();
        long barEnd = barStart + bar.get(1).asLong();
        for (JsonNode p : packets) {
            assertThat(p.get(6).asInt()).as("the call it fell in").isEqualTo(connect);
            assertThat(bits(p) & TimelineLane.DURING_CALL).isNotZero();
            assertThat(p.get(0).asLong()).isBetween(barStart, barEnd);
        }
        assertThat(barStart - lane.get("first").asLong()).as("the lane starts with the connect").isZero();
        assertThat(lane.get("codes").get(0).asText()).isEqualTo("REFUSED");
    }

    @Test
    void demo_everyPacketOfEveryJoinedFlowIsInItsLanes_withTimesOnThePagesClock() {
        long start = Long.MAX_VALUE;
        for (Correlation.Joined j : demo.connections) {
            start = Math.min(start, j.connection.firstNanos() + demo.clockOffsetNanos);
            if (j.flow != null) {
                start = Math.min(start, j.flow.firstPacketNanos());
            }
        }
        for (Correlation.Joined j : demo.connections) {
            JsonNode lane = lane(demoData, j.connection.connectionId());
            assertThat(lane.get("omitted").asLong()).isZero();
            assertThat(lane.get("packets")).hasSize((int) (j.flow.client().packets() + j.flow.server().packets()));
            assertThat(lane.get("packets").get(0).get(0).asLong()).isEqualTo(j.flow.firstPacketNanos() - start);
            assertThat(lane.get("calls")).hasSize(j.connection.calls().size());
            assertThat(lane.get("calls").get(0).get(0).asLong())
                    .isEqualTo(j.connection.calls().get(0).startNanos + demo.clockOffsetNanos - start);
            long ours = 0;
            for (JsonNode p : lane.get("packets")) {
                ours += (bits(p) & TimelineLane.FROM_PEER) == 0 ? 1 : 0;
            }
            boolean client = j.connection.side() == JvmConnection.Side.CLIENT;
            assertThat(ours).as("packets above the lane are the JVM's, %s", j.connection)
                    .isEqualTo(client ? j.flow.client().packets() : j.flow.server().packets());
        }
    }

    @Test
    void demo_slowReaderLane_showsThePeersZeroWindowDuringTheBlockedSend() {
        Correlation.Joined slow = withFinding("ZERO_WINDOW");
        JsonNode lane = lane(demoData, slow.connection.connectionId());
        int zeroFromPeer = 0;
        int zeroDuringSend = 0;
        for (JsonNode p : lane.get("packets")) {
            if ((bits(p) & TimelineLane.ZERO_WINDOW) != 0) {
                assertThat(bits(p) & TimelineLane.FROM_PEER).as("only the reader's window closed").isNotZero();
                zeroFromPeer++;
                JsonNode call = lane.get("calls").get(p.get(6).asInt());
                if (call.get(2).asText().equals("Send") && (bits(p) & TimelineLane.DURING_CALL) != 0) {
                    zeroDuringSend++;
                }
            }
        }
        assertThat(zeroFromPeer).isEqualTo((int) slow.flow.server().zeroWindowSegments());
        assertThat(zeroDuringSend).isEqualTo(zeroFromPeer);
        JsonNode send = null;
        for (JsonNode c : lane.get("calls")) {
            send = c.get(2).asText().equals("Send") ? c : send;
        }
        assertThat(send.get(3).asText()).isEqualTo("OK");
        assertThat(send.get(4).asLong()).isEqualTo(8L << 20);
        assertThat(send.get(1).asLong()).isGreaterThan(1_900_000_000L);
        assertThat(send.get(6).asInt()).as("a blocked but successful send is not a failure").isZero();
    }

    @Test
    void demo_headerNamesTheInputsTheClockOffsetAndCountsEveryFindingCode() {
        String header = demoHtml.substring(demoHtml.indexOf("<header id=\"summary\">"), demoHtml.indexOf("</header>"));
        assertThat(header).contains("demo.pcap").contains("demo.jfr")
                .contains(String.format(java.util.Locale.ROOT, "%+.3f ms", demo.clockOffsetNanos / 1e6))
                .contains("from " + demo.offsetSamples + " handshakes")
                .contains("33 joined; 0 flows without a JVM connection");
        Map<String, Integer> counts = new HashMap<>();
        for (Correlation.Joined j : demo.connections) {
            for (Finding f : j.findings) {
                counts.merge(f.code, 1, Integer::sum);
            }
        }
        assertThat(counts).containsEntry("SYN_TIMEOUT", 7).containsEntry("REFUSED", 1).containsEntry("NOT_ACCEPTED", 7);
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            assertThat(header).contains("data-code=\"" + e.getKey() + "\">" + e.getKey() + " <b>" + e.getValue() + "</b>");
        }
        assertThat(demoHtml).contains("<h2>Flows without a JVM connection (0)</h2>");
    }

    @Test
    void demo_pageLoadsNothingFromOutside() {
        assertThat(demoHtml).doesNotContain("http://").doesNotContain("https://").doesNotContain("//cdn")
                .doesNotContainPattern("(?i)url\\(").doesNotContainPattern("(?i)@import").doesNotContainPattern("(?i)<link")
                .doesNotContainPattern("(?i)<img").doesNotContainPattern("(?i)<iframe").doesNotContainPattern("(?i)\\ssrc\\s*=");
        Matcher hrefs = Pattern.compile("(?i)href\\s*=\\s*\"([^\"]*)\"").matcher(demoHtml);
        while (hrefs.find()) {
            assertThat(hrefs.group(1)).as("links stay inside the page").startsWith("#");
        }
        assertThat(demoHtml).contains("<style>").contains("<script>");
    }

    // ---- a synthetic capture: a flow longer than the cap, an unmatched flow, markup in the recording

    private static final class Capture {
        final List<Object> records = new ArrayList<>();

        void segment(long t, boolean fromClient, int clientPort, int serverPort, long seq, long ack, int flags, int window,
                     int payload) {
            int client = ipv4("127.0.0.1");
            int server = ipv4("127.0.0.2");
            byte[] header = fromClient ? tcp(clientPort, serverPort, (int) seq, (int) ack, flags, window, new byte[0])
                    : tcp(serverPort, clientPort, (int) seq, (int) ack, flags, window, new byte[0]);
            records.add(T0 + t);
            records.add(ipv4Packet(fromClient ? client : server, fromClient ? server : client, 6, 0, new byte[0], header, payload));
        }
    }

    private static final int LONG_FLOW_PACKETS = 3 + 4000 + 2;

    /** Writes the synthetic capture and its page; returns the page's text. */
    private static String synthetic(Path page, List<JvmConnection> jvm) throws Exception {
        Capture c = new Capture();
        long us = 1000;
        c.segment(10 * us, true, 40000, 8080, 1000, 0, SYN, 65535, 0);
        c.segment(20 * us, false, 40000, 8080, 5000, 1001, SYN | ACK, 65535, 0);
        c.segment(30 * us, true, 40000, 8080, 1001, 5001, ACK, 512, 0);
        for (int i = 0; i < 4000; i++) {
            long t = 40 * us + i * 10 * us;
            if (i % 2 == 0) {
                c.segment(t, true, 40000, 8080, 1001 + (i / 2) * 100L, 5001, PSH | ACK, 512, 100);
            } else {
                int window = i >= 1800 && i < 1900 ? 0 : 512; // 50 zero windows in the middle of the flow
                c.segment(t, false, 40000, 8080, 5001, 1001 + (i / 2 + 1) * 100L, ACK, window, 0);
            }
        }
        long end = 40 * us + 4000 * 10 * us;
        c.segment(end, true, 40000, 8080, 201_001, 5001, FIN | ACK, 512, 0);
        c.segment(end + 10 * us, false, 40000, 8080, 5001, 0, RST, 0, 0);
        // a flow no recorded connection owns: refused
        c.segment(end + 100 * us, true, 40001, 9090, 7000, 0, SYN, 65535, 0);
        c.segment(end + 110 * us, false, 40001, 9090, 0, 7001, RST | ACK, 0, 0);
        Path pcap = page.resolveSibling(page.getFileName() + ".pcap");
        Files.write(pcap, pcap(101, true, false, 96, c.records.toArray()));
        Correlation correlation = correlate(pcap, jvm);
        HtmlTimeline.write(PacketIndex.of(correlation), pcap, List.of(Path.of("synthetic.jfr")), page);
        return Files.readString(page);
    }

    private static List<JvmConnection> syntheticRecording() {
        long us = 1000;
        JvmConnection longFlow = client(1, "127.0.0.1", 40000, "127.0.0.2", 8080, "127.0.0.2", "writer",
                call("Connect", T0 + 10 * us, 25 * us, "CONNECTED", 0, null),
                call("Send", T0 + 35 * us, 40_000 * us, "OK", 200_000, null),
                call("Close", T0 + 40_060 * us, 10 * us, "LOCAL", 0, null));
        JvmConnection crafted = client(2, null, 0, "192.0.2.1", 443, CRAFTED_HOST, "\"><b>thread</b>",
                call("Connect", T0 + 5_000 * us, 1_000 * us, "UNREACHABLE", 0, CRAFTED_MESSAGE));
        return List.of(longFlow, crafted);
    }

    @Test
    void longFlow_isCappedButKeepsItsStartEndAndZeroWindows() throws Exception {
        String html = synthetic(dir.resolve("long.html"), syntheticRecording());
        JsonNode lane = lane(data(html), 1);
        JsonNode packets = lane.get("packets");
        long omitted = lane.get("omitted").asLong();
        assertThat(lane.get("packetsTotal").asLong()).isEqualTo(LONG_FLOW_PACKETS);
        assertThat(packets.size()).isLessThanOrEqualTo(TimelineLane.MAX_PACKETS_PER_LANE);
        assertThat(packets.size() + omitted).isEqualTo(LONG_FLOW_PACKETS);
        assertThat(omitted).isEqualTo(LONG_FLOW_PACKETS - TimelineLane.HEAD_PACKETS - TimelineLane.TAIL_PACKETS - 52);
        assertThat(bits(packets.get(0)) & 0xff).isEqualTo(SYN);
        assertThat(bits(packets.get(packets.size() - 1)) & 0xff).isEqualTo(RST);
        assertThat(bits(packets.get(packets.size() - 2)) & 0xff).isEqualTo(FIN | ACK);
        int zero = 0;
        long previous = Long.MIN_VALUE;
        for (JsonNode p : packets) {
            zero += (bits(p) & TimelineLane.ZERO_WINDOW) != 0 ? 1 : 0;
            assertThat(p.get(0).asLong()).as("in capture order").isGreaterThanOrEqualTo(previous);
            previous = p.get(0).asLong();
        }
        assertThat(zero).as("every zero window kept").isEqualTo(50);
        // relative sequence numbers, as Wireshark shows them: the first data byte is 1
        assertThat(packets.get(3).get(2).asLong()).isEqualTo(1);
        assertThat(packets.get(1).get(3).asLong()).as("the SYN/ACK acknowledges relative 1").isEqualTo(1);
        assertThat(lane.get("omittedFrom").asLong()).isLessThan(lane.get("omittedTo").asLong());
        assertThat(html).contains(LONG_FLOW_PACKETS - omitted + " drawn, " + omitted + " left out");
    }

    @Test
    void unmatchedFlow_isListedInTheTable() throws Exception {
        String html = synthetic(dir.resolve("unmatched.html"), syntheticRecording());
        String table = html.substring(html.indexOf("<section id=\"unmatched\">"));
        assertThat(table).contains("<h2>Flows without a JVM connection (1)</h2>")
                .contains("<td>127.0.0.1:40001</td><td>127.0.0.2:9090</td><td>REJ</td>")
                .contains("<td>1 / 0</td><td>1 / 0</td>");
        assertThat(data(html).get("lanes")).hasSize(2);
    }

    @Test
    void markupFromTheRecording_isEscapedInTheHtmlAndTheEmbeddedData() throws Exception {
        String html = synthetic(dir.resolve("crafted.html"), syntheticRecording());
        assertThat(html).doesNotContain("<script>alert").doesNotContain("<img").doesNotContain("<b>thread")
                .doesNotContain("<!--").doesNotContain("\u2028");
        assertThat(html).contains("(&lt;img src=x onerror=alert(2)&gt;&amp;co)").contains("&quot;&gt;&lt;b&gt;thread&lt;/b&gt;");
        // exactly our two script elements: the data and the code
        assertThat(Pattern.compile("<script").matcher(html).results().count()).isEqualTo(2);
        JsonNode crafted = lane(data(html), 2);
        assertThat(crafted.get("calls").get(0).get(5).asText()).isEqualTo(CRAFTED_MESSAGE);
        assertThat(crafted.get("calls").get(0).get(6).asInt()).isEqualTo(1);
        assertThat(crafted.get("flow").asBoolean()).isFalse();
    }

    // ---- rendering in a real browser

    @Test
    void chromium_drawsEveryLaneEveryPacketAndEveryCall() throws Exception {
        String dom = dumpDom(demoPage);
        assertThat(body(dom)).isEqualTo("<body data-rendered=\"33\">");
        Map<Long, Integer> drawn = new HashMap<>();
        Matcher sections = Pattern.compile("<section class=\"lane[^\"]*\"[^>]*>").matcher(dom);
        while (sections.find()) {
            String tag = sections.group();
            Matcher id = Pattern.compile("data-connection=\"(\\d+)\"").matcher(tag);
            Matcher count = Pattern.compile("data-packets-drawn=\"(\\d+)\"").matcher(tag);
            assertThat(id.find() && count.find()).as(tag).isTrue();
            drawn.put(Long.parseLong(id.group(1)), Integer.parseInt(count.group(1)));
        }
        assertThat(drawn).hasSize(33);
        for (Correlation.Joined j : demo.connections) {
            assertThat(drawn.get(j.connection.connectionId())).as("packets drawn for %s", j.connection)
                    .isEqualTo((int) (j.flow.client().packets() + j.flow.server().packets()));
        }
        // tick groups carry their packet count; together they are every packet of every lane
        int ticks = 0;
        Matcher n = Pattern.compile("<g class=\"pkt\" data-n=\"(\\d+)\">").matcher(dom);
        while (n.find()) {
            ticks += Integer.parseInt(n.group(1));
        }
        assertThat(ticks).isEqualTo(drawn.values().stream().mapToInt(Integer::intValue).sum());
        long calls = demo.connections.stream().mapToLong(j -> j.connection.calls().size()).sum();
        assertThat(Pattern.compile("<g class=\"call[ \"]").matcher(dom).results().count()).isEqualTo(calls);

        String refused = section(dom, withFinding("REFUSED").connection.connectionId());
        assertThat(refused).contains("data-event=\"Connect\" data-outcome=\"REFUSED\"").contains("class=\"call failed\"")
                .contains("JVM → peer  [SYN]").contains("peer → JVM  [RST, ACK]").contains("during Connect REFUSED")
                .contains(">Connect REFUSED");
        assertThat(dom).contains("<g class=\"row\" data-lane=\"32\">");
    }

    @Test
    void chromium_drawsOneZeroWindowBandPerEpisode() throws Exception {
        // the script opens and closes bands on the segments the correlator says advertise a window
        Correlation.Joined slow = withFinding("ZERO_WINDOW");
        String lane = section(dumpDom(demoPage), slow.connection.connectionId());
        int episodes = slow.flow.client().zeroWindowEpisodes() + slow.flow.server().zeroWindowEpisodes();
        assertThat(episodes).isPositive();
        assertThat(Pattern.compile("class=\"zw\"").matcher(lane).results().count()).isEqualTo(episodes);
    }

    @Test
    void chromium_showsMarkupFromTheRecordingAsText() throws Exception {
        Path page = dir.resolve("crafted-chromium.html");
        synthetic(page, syntheticRecording());
        String dom = dumpDom(page);
        assertThat(body(dom)).isEqualTo("<body data-rendered=\"2\">");
        // the message reached the tooltip as text (serialised escaped), and made no element
        assertThat(dom).contains("exception: &lt;script&gt;alert(1)&lt;/script&gt; &amp; \"quoted\" &lt;/script&gt;&lt;!--")
                .doesNotContain("<script>alert").doesNotContain("<img");
        assertThat(section(dom, 1)).contains("data-packets-drawn=\"" + (LONG_FLOW_PACKETS - lane(data(Files.readString(page)), 1)
                .get("omitted").asLong()) + "\"").contains("class=\"gap\"");
    }

    /** The body's start tag: the script marks it rendered, or with the error that stopped it. */
    private static String body(String dom) {
        Matcher m = Pattern.compile("<body[^>]*>").matcher(dom);
        assertThat(m.find()).isTrue();
        return m.group();
    }

    private static String section(String dom, long connectionId) {
        int start = dom.indexOf("data-connection=\"" + connectionId + "\"");
        assertThat(start).isNotNegative();
        return dom.substring(start, dom.indexOf("</section>", start));
    }

    /**
     * The page as headless Chromium left it after running its script. Without Chromium the test is
     * skipped (a failure in strict mode, which CI sets: CI installs Chromium, and a broken page must
     * not pass there unseen).
     */
    private static String dumpDom(Path page) throws Exception {
        Path chromium = findChromium();
        if (chromium == null) {
            Requirements.require(Requirement.command("chromium", "chromium"));
        }
        Path profile = Files.createTempDirectory(dir, "chromium");
        Path out = profile.resolve("dom.html");
        Path log = profile.resolve("chromium.log");
        // Chromium starts helper processes of its own: Stopping ends them too
        try (Stopping browser = Stopping.of(new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--user-data-dir=" + profile.resolve("profile"), "--virtual-time-budget=5000", "--dump-dom", page.toUri().toString())
                .redirectOutput(out.toFile()).redirectError(log.toFile()).start())) {
            Process p = browser.process();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                fail("chromium did not finish within 120 s: " + Files.readString(log));
            }
            String dom = Files.readString(out, StandardCharsets.UTF_8);
            assertThat(dom).as("chromium exit %d: %s", p.exitValue(), Files.readString(log)).contains("</body>");
            return dom;
        }
    }

    private static Path findChromium() {
        for (String name : List.of("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")) {
            Optional<Path> found = Requirement.onPath(name);
            if (found.isPresent()) {
                return found.get();
            }
        }
        return null;
    }
}
