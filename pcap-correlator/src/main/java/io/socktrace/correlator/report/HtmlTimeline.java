package io.socktrace.correlator.report;

import io.socktrace.correlator.capture.CaptureFormatException;
import io.socktrace.correlator.capture.CaptureReader;
import io.socktrace.correlator.capture.PacketCursor;
import io.socktrace.correlator.capture.PacketKind;
import io.socktrace.correlator.flow.PacketFacts;
import io.socktrace.correlator.flow.TcpFlow;
import io.socktrace.correlator.join.Correlation;
import io.socktrace.correlator.join.Finding;
import io.socktrace.correlator.join.PacketIndex;
import io.socktrace.correlator.jvm.JvmConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The correlation as one self-contained HTML page: a timeline per joined connection with the
 * Java calls and the packets on one clock, for a person who wants to <em>see</em> which packet
 * a failed call was waiting for. The page loads nothing from anywhere (inline CSS and script,
 * SVG drawn by the script), so it can be attached to a ticket or opened on an air-gapped host.
 *
 * <p><b>Time.</b> Everything is on the capture's clock: JVM call times are moved by
 * {@link Correlation#clockOffsetNanos}. A demo spans seconds while a refused connect lives for
 * tens of microseconds, so one fixed scale for all lanes would show most connections as a single
 * pixel. Each lane therefore opens fitted to its own connection (axis labelled from the
 * connection's first event, with the absolute clock time of that origin), and can be zoomed on
 * its own by dragging across it (double-click fits it again). A switch puts all lanes on one
 * shared window instead, which is the view for comparing a client with its server or one
 * connection with the next; dragging in the overview at the top, or in any lane, then sets the
 * window of all of them. Hovering a tick or bar shows the packet (time, flags, relative and raw
 * seq/ack, length, window, the Java call it fell in) or the call (outcome, duration, bytes,
 * exception message); ticks closer together than a few pixels share one tooltip listing them.
 *
 * <p><b>Size.</b> At most {@link #MAX_LANES} connections get a lane (worst first, the order of
 * {@link Correlation#connections}); the rest are listed in a table. Per lane at most
 * {@link TimelineLane#MAX_PACKETS_PER_LANE} packets are drawn, chosen by {@link TimelineLane}:
 * the first and the last ones, and in between the SYN, FIN, RST and zero-window packets, since
 * those are what a finding is about; the lane says how many were left out and shades the stretch
 * they came from. Memory and output grow with the lanes, not with the capture.
 *
 * <p><b>Text.</b> Addresses, host names, thread names and exception messages come from the
 * recording and may contain markup; all of it is escaped, in HTML and in the embedded JSON.
 */
public final class HtmlTimeline {

    /** Connections beyond this many get a table row instead of a lane. */
    public static final int MAX_LANES = 300;

    private HtmlTimeline() {
    }

    /**
     * Reads {@code capture} again (the one the correlation was built from) and writes the page to
     * {@code out}. {@code recordings} only name the recordings in the header.
     */
    public static void write(PacketIndex index, Path capture, List<Path> recordings, Path out)
            throws IOException, CaptureFormatException {
        Files.writeString(out, render(index, capture, recordings), StandardCharsets.UTF_8);
    }

    /** As {@link #write(PacketIndex, Path, List, Path)}, to a writer that the caller closes. */
    public static void write(PacketIndex index, Path capture, List<Path> recordings, Writer out)
            throws IOException, CaptureFormatException {
        out.write(render(index, capture, recordings));
        out.flush();
    }

    /**
     * The page as text. The capture is read here, so a read error is distinct from a failure to
     * write the page afterwards; the page itself is bounded by the caps, not by the capture.
     */
    public static String render(PacketIndex index, Path capture, List<Path> recordings) throws IOException, CaptureFormatException {
        Correlation correlation = index.correlation();
        List<TimelineLane> lanes = new ArrayList<>();
        Map<Correlation.Joined, TimelineLane> byJoined = new IdentityHashMap<>();
        for (Correlation.Joined j : correlation.connections) {
            if (lanes.size() == MAX_LANES) {
                break;
            }
            TimelineLane lane = new TimelineLane(j, correlation.clockOffsetNanos);
            lanes.add(lane);
            byJoined.put(j, lane);
        }
        PacketFacts.Replays verdicts = new PacketFacts.Replays();
        try (CaptureReader reader = CaptureReader.open(capture, false)) {
            PacketCursor p = new PacketCursor();
            while (reader.next(p)) {
                if (p.kind() != PacketKind.TCP) {
                    continue;
                }
                List<Correlation.Joined> found = index.find(p);
                int verdict = PacketIndex.verdict(verdicts, found, p);
                for (Correlation.Joined j : found) {
                    TimelineLane lane = byJoined.get(j);
                    if (lane != null) {
                        lane.add(p, index.place(j, p.timestampNanos()), verdict);
                    }
                }
            }
        }
        return new Page(correlation, lanes, capture, recordings).render();
    }

    /** Builds the page text; separate from the capture pass so it is plain string work. */
    private static final class Page {
        private final Correlation correlation;
        private final List<TimelineLane> lanes;
        private final Path capture;
        private final List<Path> recordings;
        private final long start;
        private final long end;
        private final StringBuilder b = new StringBuilder(64 * 1024);

        Page(Correlation correlation, List<TimelineLane> lanes, Path capture, List<Path> recordings) {
            this.correlation = correlation;
            this.lanes = lanes;
            this.capture = capture;
            this.recordings = recordings;
            long first = Long.MAX_VALUE;
            long last = Long.MIN_VALUE;
            for (TimelineLane lane : lanes) {
                first = Math.min(first, lane.first());
                last = Math.max(last, lane.last());
            }
            for (TcpFlow f : correlation.unmatchedFlows) {
                first = Math.min(first, f.firstPacketNanos());
                last = Math.max(last, f.lastPacketNanos());
            }
            if (first == Long.MAX_VALUE) {
                first = 0;
                last = 0;
            }
            this.start = first;
            this.end = last;
        }

        String render() {
            b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                    .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                    .append("<title>socktrace timeline: ").append(html(capture.getFileName().toString())).append("</title>\n")
                    .append("<style>\n").append(resource("timeline.css")).append("</style>\n</head>\n<body>\n");
            header();
            b.append("<div id=\"error\" hidden></div>\n");
            b.append("<noscript><p class=\"warn\">The lanes are drawn by the page's inline script; enable JavaScript to see them."
                    + " The findings below are readable without it.</p></noscript>\n");
            toolbar();
            b.append("<section id=\"overview\"><h2>Overview <small>all connections on the capture's clock; drag to choose a "
                    + "window for all lanes, click a row to go to its lane</small></h2>"
                    + "<div class=\"track\"><svg id=\"overview-svg\" class=\"chart\"></svg></div></section>\n");
            b.append("<main id=\"lanes\">\n");
            for (TimelineLane lane : lanes) {
                lane(lane);
            }
            b.append("</main>\n");
            notDrawn();
            unmatched();
            data();
            b.append("<script>\n").append(resource("timeline.js")).append("</script>\n</body>\n</html>\n");
            return b.toString();
        }

        private void header() {
            Map<String, Integer> counts = new TreeMap<>();
            for (Correlation.Joined j : correlation.connections) {
                for (Finding f : j.findings) {
                    counts.merge(f.code, 1, Integer::sum);
                }
            }
            b.append("<header id=\"summary\">\n<h1>socktrace timeline</h1>\n<dl>\n");
            b.append("<dt>capture</dt><dd class=\"capture\">").append(html(capture.toString())).append("</dd>\n");
            b.append("<dt>recording").append(recordings.size() == 1 ? "" : "s").append("</dt><dd class=\"recordings\">");
            String separator = "";
            for (Path r : recordings) {
                b.append(separator).append(html(r.toString()));
                separator = ", ";
            }
            b.append("</dd>\n");
            b.append("<dt>time</dt><dd>").append(html(instant(start))).append(" to ").append(html(instant(end)))
                    .append(" (").append(html(duration(end - start))).append(")</dd>\n");
            b.append("<dt>clock offset</dt><dd class=\"offset\">").append(html(signedMillis(correlation.clockOffsetNanos)))
                    .append(" <small>capture clock minus JVM clock, from ").append(correlation.offsetSamples)
                    .append(" handshake").append(correlation.offsetSamples == 1 ? "" : "s")
                    .append("; JVM call times below are moved by it</small></dd>\n");
            b.append("<dt>connections</dt><dd>").append(correlation.connections.size()).append(" joined");
            if (correlation.connections.size() > lanes.size()) {
                b.append(", the worst ").append(lanes.size()).append(" drawn");
            }
            b.append("; ").append(correlation.unmatchedFlows.size()).append(" flow")
                    .append(correlation.unmatchedFlows.size() == 1 ? "" : "s").append(" without a JVM connection</dd>\n");
            if (correlation.sampling.known()) {
                b.append("<dt>sampling</dt><dd class=\"sampling\">").append(html(correlation.sampling.describe()));
                if (correlation.sampling.advice() != null) {
                    b.append("<br><small>").append(html(correlation.sampling.advice())).append("</small>");
                }
                b.append("</dd>\n");
            }
            b.append("<dt>findings</dt><dd class=\"counts\">");
            if (counts.isEmpty()) {
                b.append("none");
            }
            for (Map.Entry<String, Integer> e : counts.entrySet()) {
                b.append("<span class=\"code code-").append(html(e.getKey())).append("\" data-code=\"").append(html(e.getKey()))
                        .append("\">").append(html(e.getKey())).append(" <b>").append(e.getValue()).append("</b></span> ");
            }
            b.append("</dd>\n</dl>\n</header>\n");
        }

        private void toolbar() {
            b.append("<nav id=\"toolbar\">\n")
                    .append("<label><input type=\"radio\" name=\"scale\" value=\"fit\" checked> each lane fitted to its connection</label>\n")
                    .append("<label><input type=\"radio\" name=\"scale\" value=\"shared\"> all lanes on one window</label>\n")
                    .append("<button type=\"button\" id=\"reset\">fit all</button>\n")
                    .append("<label><input type=\"checkbox\" id=\"only-findings\"> only connections with findings</label>\n")
                    .append("<input type=\"search\" id=\"filter\" placeholder=\"filter: port, address, code, thread\">\n")
                    .append("<span class=\"hint\">drag across a lane to zoom; double-click to fit; hover ticks and bars for details</span>\n")
                    .append("<div id=\"legend\"></div>\n</nav>\n");
        }

        private void lane(TimelineLane lane) {
            Correlation.Joined j = lane.joined;
            JvmConnection c = j.connection;
            TcpFlow f = j.flow;
            String label = correlation.label(c);
            String anchor = "c" + label.replaceAll("[^A-Za-z0-9_-]", "_");
            b.append("<section class=\"lane").append(j.findings.isEmpty() ? "" : " has-findings").append("\" id=\"")
                    .append(anchor).append("\" data-connection=\"").append(html(label)).append("\">\n<h3>")
                    .append("<a class=\"id\" href=\"#").append(anchor).append("\">#").append(html(label)).append("</a> ")
                    .append("<span class=\"side\">").append(c.side().name().toLowerCase(Locale.ROOT)).append("</span> ")
                    .append("<span class=\"tuple\">").append(html(endpoint(c.localText(),
                            c.localPort()))).append(" &rarr; ")
                    .append(html(endpoint(c.remoteText(), c.remotePort())))
                    .append("</span> ");
            if (c.host() != null && !c.host().isEmpty() && (c.remoteAddress() == null || !c.host().equals(c.remoteAddress().getHostAddress()))) {
                b.append("<span class=\"host\">(").append(html(c.host())).append(")</span> ");
            }
            b.append("<span class=\"state\" title=\"Zeek conn_state\">").append(f == null ? "no packets" : f.connState().name())
                    .append("</span> ");
            if (f != null) {
                b.append("<span class=\"meta\">").append(f.client().packets() + f.server().packets()).append(" packets");
                if (lane.omitted > 0) {
                    b.append(", <span class=\"omitted\">").append(lane.total - lane.omitted).append(" drawn, ").append(lane.omitted)
                            .append(" left out</span>");
                }
                b.append("</span> ");
            }
            b.append("<span class=\"meta\">lives ").append(html(duration(lane.last() - lane.first()))).append("</span> ");
            if (c.thread() != null) {
                b.append("<span class=\"thread\">").append(html(c.thread())).append("</span> ");
            }
            b.append("<span class=\"buttons\"><button type=\"button\" class=\"fit\">fit</button>"
                    + "<button type=\"button\" class=\"out\">zoom out</button></span></h3>\n");
            if (!j.findings.isEmpty()) {
                b.append("<ul class=\"findings\">");
                for (Finding finding : j.findings) {
                    b.append("<li><span class=\"code code-").append(html(finding.code)).append("\">").append(html(finding.code))
                            .append("</span> ").append(html(finding.text)).append("</li>");
                }
                b.append("</ul>\n");
            }
            b.append("<div class=\"track\"><svg class=\"chart\"></svg></div>\n</section>\n");
        }

        private void notDrawn() {
            List<Correlation.Joined> rest = correlation.connections.subList(lanes.size(), correlation.connections.size());
            if (rest.isEmpty()) {
                return;
            }
            b.append("<section id=\"not-drawn\"><h2>").append(rest.size()).append(" more connections, not drawn</h2>\n")
                    .append("<table><thead><tr><th>id</th><th>side</th><th>local</th><th>remote</th><th>state</th><th>findings</th>"
                            + "</tr></thead><tbody>\n");
            for (Correlation.Joined j : rest) {
                JvmConnection c = j.connection;
                b.append("<tr><td>").append(html(correlation.label(c))).append("</td><td>").append(c.side().name().toLowerCase(Locale.ROOT))
                        .append("</td><td>").append(html(endpoint(c.localText(),
                                c.localPort())))
                        .append("</td><td>").append(html(endpoint(c.remoteText(),
                                c.remotePort())))
                        .append("</td><td>").append(j.flow == null ? "-" : j.flow.connState().name()).append("</td><td>");
                for (Finding finding : j.findings) {
                    b.append(html(finding.toString())).append("<br>");
                }
                b.append("</td></tr>\n");
            }
            b.append("</tbody></table></section>\n");
        }

        private void unmatched() {
            b.append("<section id=\"unmatched\"><h2>Flows without a JVM connection (").append(correlation.unmatchedFlows.size())
                    .append(")</h2>\n");
            if (correlation.unmatchedFlows.isEmpty()) {
                b.append("<p>Every TCP flow in the capture was joined to a connection of the recording.</p></section>\n");
                return;
            }
            b.append("<table><thead><tr><th>first packet</th><th>client</th><th>server</th><th>state</th><th>lasted</th>"
                    + "<th>client packets / bytes</th><th>server packets / bytes</th><th>note</th></tr></thead><tbody>\n");
            for (TcpFlow f : correlation.unmatchedFlows) {
                b.append("<tr><td>").append(html(instant(f.firstPacketNanos()))).append("</td><td>")
                        .append(html(endpoint(f.clientAddress(), f.clientPort()))).append("</td><td>")
                        .append(html(endpoint(f.serverAddress(), f.serverPort()))).append("</td><td>").append(f.connState().name())
                        .append("</td><td>").append(html(duration(f.lastPacketNanos() - f.firstPacketNanos()))).append("</td><td>")
                        .append(f.client().packets()).append(" / ").append(f.client().payloadBytes()).append("</td><td>")
                        .append(f.server().packets()).append(" / ").append(f.server().payloadBytes()).append("</td><td>")
                        .append(correlation.possiblySampledOut(f) ? "possibly sampled out" : "").append("</td></tr>\n");
            }
            b.append("</tbody></table></section>\n");
        }

        /** The drawing data; times are nanoseconds after {@code start}, so they stay exact as JavaScript numbers. */
        private void data() {
            long dayNanos = 86_400_000_000_000L;
            b.append("<script type=\"application/json\" id=\"timeline-data\">\n{\"start\": 0, \"end\": ").append(end - start)
                    .append(", \"startClock\": ").append(json(instant(start)))
                    .append(", \"startTimeOfDay\": ").append(Math.floorMod(start, dayNanos))
                    .append(", \"clockOffset\": ").append(correlation.clockOffsetNanos)
                    .append(", \"lanes\": [");
            String comma = "\n";
            for (TimelineLane lane : lanes) {
                Correlation.Joined j = lane.joined;
                JvmConnection c = j.connection;
                TcpFlow f = j.flow;
                b.append(comma).append("{\"id\": ").append(json(correlation.label(c)))
                        .append(", \"label\": ").append(json("#" + correlation.label(c) + " " + c.side().name().toLowerCase(Locale.ROOT) + " "
                                + endpoint(c.localText(), c.localPort()) + " → "
                                + endpoint(c.remoteText(), c.remotePort())))
                        .append(", \"codes\": [");
                String inner = "";
                for (Finding finding : j.findings) {
                    b.append(inner).append(json(finding.code));
                    inner = ", ";
                }
                b.append("], \"first\": ").append(lane.first() - start).append(", \"last\": ").append(lane.last() - start)
                        .append(", \"flow\": ").append(f != null)
                        .append(", \"isn\": [").append(lane.isn[0]).append(", ").append(lane.isn[1]).append(']')
                        // window scaling applies only when both SYNs carried the option
                        .append(", \"scale\": [").append(scale(f, c.side() != JvmConnection.Side.SERVER)).append(", ")
                        .append(scale(f, c.side() == JvmConnection.Side.SERVER)).append(']')
                        .append(", \"packetsTotal\": ").append(lane.total)
                        .append(", \"omitted\": ").append(lane.omitted);
                if (lane.omitted > 0) {
                    b.append(", \"omittedFrom\": ").append(lane.omittedFrom - start).append(", \"omittedTo\": ").append(lane.omittedTo - start);
                }
                b.append(",\n \"calls\": [");
                inner = "";
                for (JvmConnection.Call call : c.calls()) {
                    b.append(inner).append('[').append(call.startNanos + lane.offset - start).append(", ").append(call.durationNanos)
                            .append(", ").append(json(call.event)).append(", ").append(json(call.outcome)).append(", ").append(call.bytes)
                            .append(", ").append(json(call.exceptionMessage)).append(", ").append(TimelineLane.failed(call) ? 1 : 0).append(']');
                    inner = ", ";
                }
                b.append("],\n \"packets\": [");
                inner = "";
                for (TimelineLane.Packet p : lane.packets()) {
                    b.append(inner).append('[').append(p.nanos - start).append(',').append(p.bits).append(',').append(p.seq).append(',')
                            .append(p.ack).append(',').append(p.length).append(',').append(p.window).append(',').append(p.call).append(']');
                    inner = ",";
                }
                b.append("]}");
                comma = ",\n";
            }
            b.append("\n]}\n</script>\n");
        }

        /** The window shift of the client's (or server's) segments after the handshake; 0 if unscaled. */
        private static int scale(TcpFlow flow, boolean client) {
            return flow == null ? 0 : Math.max(0, PacketFacts.windowShift(flow, client, 0));
        }
    }

    private static String resource(String name) {
        try (InputStream in = HtmlTimeline.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name + " next to " + HtmlTimeline.class.getName());
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String endpoint(String address, int port) {
        String a = address == null ? "?" : address;
        return a.indexOf(':') >= 0 ? "[" + a + "]:" + port : a + ":" + port;
    }

    static String instant(long epochNanos) {
        return Instant.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L), Math.floorMod(epochNanos, 1_000_000_000L)).toString();
    }

    static String signedMillis(long nanos) {
        return String.format(Locale.ROOT, "%+.3f ms", nanos / 1e6);
    }

    /** A duration with a unit that suits it: µs for a refused connect, s for a stalled send. */
    static String duration(long nanos) {
        if (nanos < 1_000L) {
            return nanos + " ns";
        }
        if (nanos < 1_000_000L) {
            return String.format(Locale.ROOT, "%.1f µs", nanos / 1e3);
        }
        if (nanos < 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
        }
        return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
    }

    /** Text for HTML element content and quoted attribute values. */
    static String html(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            String replacement;
            switch (ch) {
                case '<':
                    replacement = "&lt;";
                    break;
                case '>':
                    replacement = "&gt;";
                    break;
                case '&':
                    replacement = "&amp;";
                    break;
                case '"':
                    replacement = "&quot;";
                    break;
                case '\'':
                    replacement = "&#39;";
                    break;
                default:
                    replacement = ch < 0x20 && ch != '\n' && ch != '\t' ? "\uFFFD" : null;
            }
            if (replacement != null && b == null) {
                b = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            if (b != null) {
                if (replacement != null) {
                    b.append(replacement);
                } else {
                    b.append(ch);
                }
            }
        }
        return b == null ? s : b.toString();
    }

    /** A JSON string that is also safe inside an HTML {@code <script>} element (see {@link JsonReport#string}). */
    static String json(String s) {
        return JsonReport.string(s);
    }
}
