package io.socktrace.correlator.report;

import io.socktrace.correlator.flow.TcpFlow;
import io.socktrace.correlator.join.Correlation;
import io.socktrace.correlator.join.Finding;
import io.socktrace.correlator.jvm.JvmConnection;
import io.socktrace.correlator.jvm.RecordingSampling;
import java.util.Map;
import java.util.TreeMap;

/**
 * The correlation as JSON, for scripts and other tools. Schema (stable; finding codes are those
 * of the README's finding table, under "Lining a recording up with a packet capture"):
 * <pre>
 * { "clockOffsetNanos": long, "offsetSamples": int,
 *   "summary": { "connections": int, "unmatchedFlows": int (all of them; the list below stops at 1,000),
 *       "possiblySampledOut": int (of those, flows on a port of this JVM while a sampling recording ran),
 *       "findings": { CODE: count } },
 *   "sampling": null (a recording of an agent without the Sampling event: every connection) |
 *       { "connectionsPerSecond": long (0: every connection recorded), "sampled": bool, "text": str,
 *         "connects": long|null, "accepted": long|null, "connectionsNotRecorded": long|null (EndpointStatistics; null without) },
 *   "connections": [ { "connectionId": long, "side": "client"|"server",
 *       "local": {"address": str|null, "port": int}, "remote": {...}, "host": str|null,
 *       "thread": str|null, "communityId": str|null, "events": int,
 *       "closeInitiator": str|null, "zeekState": str|null,
 *       "packets": {"client": int, "server": int}, "bytes": {"client": long, "server": long},
 *       "retransmissions": {"client": long, "server": long}, "zeroWindowSegments": {"client": long, "server": long},
 *       "findings": [ {"code": str, "text": str} ] } ],
 *   "unmatchedFlows": [ { "client": {...}, "server": {...}, "zeekState": str,
 *       "firstPacketNanos": long, "possiblySampledOut": bool, "packets": {...}, "bytes": {...}, "retransmissions": {...},
 *       "zeroWindowSegments": {...} } ] }
 * </pre>
 * The per-flow objects are null for a connection without packets. {@code retransmissions} and
 * {@code zeroWindowSegments} count the segments each side sent that
 * {@link io.socktrace.correlator.flow.PacketFacts} gives that verdict, as the packet outputs mark
 * them. Written by hand, without a JSON library: the report is small and flat, and the
 * correlator's jar carries only what capture and JFR need (pcap4j with JNA, JMC's
 * flightrecorder.writer, and socktrace's jfr-events for the event and field names).
 */
public final class JsonReport {

    private JsonReport() {
    }

    public static String of(Correlation correlation) {
        Map<String, Integer> counts = new TreeMap<>();
        for (Correlation.Joined j : correlation.connections) {
            for (Finding f : j.findings) {
                counts.merge(f.code, 1, Integer::sum);
            }
        }
        StringBuilder b = new StringBuilder(4096);
        b.append("{\n  \"clockOffsetNanos\": ").append(correlation.clockOffsetNanos)
                .append(",\n  \"offsetSamples\": ").append(correlation.offsetSamples)
                .append(",\n  \"summary\": {\"connections\": ").append(correlation.connections.size())
                .append(", \"unmatchedFlows\": ").append(correlation.unmatchedFlowCount)
                .append(", \"possiblySampledOut\": ").append(correlation.possiblySampledOutCount).append(", \"findings\": {");
        String comma = "";
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            b.append(comma).append(string(e.getKey())).append(": ").append(e.getValue());
            comma = ", ";
        }
        b.append("}},\n  \"sampling\": ");
        RecordingSampling sampling = correlation.sampling;
        if (!sampling.known()) {
            b.append("null");
        } else {
            b.append("{\"connectionsPerSecond\": ").append(sampling.connectionsPerSecond())
                    .append(", \"sampled\": ").append(sampling.sampled())
                    .append(", \"text\": ").append(string(sampling.describe()))
                    .append(", \"connects\": ").append(sampling.counted() ? Long.toString(sampling.connects()) : "null")
                    .append(", \"accepted\": ").append(sampling.counted() ? Long.toString(sampling.accepted()) : "null")
                    .append(", \"connectionsNotRecorded\": ")
                    .append(sampling.counted() ? Long.toString(sampling.connectionsNotRecorded()) : "null").append('}');
        }
        b.append(",\n  \"connections\": [");
        comma = "\n";
        for (Correlation.Joined j : correlation.connections) {
            JvmConnection c = j.connection;
            b.append(comma).append("    {\"connectionId\": ").append(c.connectionId())
                    .append(", \"recording\": ").append(string(c.recording()))
                    .append(", \"side\": ").append(string(c.side().name().toLowerCase(java.util.Locale.ROOT)))
                    .append(", \"local\": ").append(endpoint(c.localText(), c.localPort()))
                    .append(", \"remote\": ").append(endpoint(c.remoteText(), c.remotePort()))
                    .append(", \"host\": ").append(string(c.host()))
                    .append(", \"thread\": ").append(string(c.thread()))
                    .append(", \"communityId\": ").append(string(c.communityId()))
                    .append(", \"events\": ").append(c.calls().size())
                    .append(", \"closeInitiator\": ").append(string(c.closeInitiator()))
                    .append(", \"zeekState\": ").append(j.flow == null ? "null" : string(j.flow.connState().name()));
            flowCounts(b, j.flow);
            b.append(", \"findings\": [");
            String inner = "";
            for (Finding f : j.findings) {
                b.append(inner).append("{\"code\": ").append(string(f.code)).append(", \"text\": ").append(string(f.text)).append('}');
                inner = ", ";
            }
            b.append("]}");
            comma = ",\n";
        }
        b.append("\n  ],\n  \"unmatchedFlows\": [");
        comma = "\n";
        for (TcpFlow f : correlation.unmatchedFlows) {
            b.append(comma).append("    {\"client\": ").append(endpoint(f.clientAddress(), f.clientPort()))
                    .append(", \"server\": ").append(endpoint(f.serverAddress(), f.serverPort()))
                    .append(", \"zeekState\": ").append(string(f.connState().name()))
                    .append(", \"firstPacketNanos\": ").append(f.firstPacketNanos())
                    .append(", \"possiblySampledOut\": ").append(correlation.possiblySampledOut(f));
            flowCounts(b, f);
            b.append('}');
            comma = ",\n";
        }
        b.append("\n  ]\n}\n");
        return b.toString();
    }

    private static void flowCounts(StringBuilder b, TcpFlow f) {
        if (f == null) {
            b.append(", \"packets\": null, \"bytes\": null, \"retransmissions\": null, \"zeroWindowSegments\": null");
            return;
        }
        b.append(", \"packets\": {\"client\": ").append(f.client().packets()).append(", \"server\": ").append(f.server().packets())
                .append("}, \"bytes\": {\"client\": ").append(f.client().payloadBytes()).append(", \"server\": ")
                .append(f.server().payloadBytes())
                .append("}, \"retransmissions\": {\"client\": ").append(f.client().retransmissions()).append(", \"server\": ")
                .append(f.server().retransmissions())
                .append("}, \"zeroWindowSegments\": {\"client\": ").append(f.client().zeroWindowSegments()).append(", \"server\": ")
                .append(f.server().zeroWindowSegments()).append('}');
    }

    private static String endpoint(String address, int port) {
        return "{\"address\": " + string(address) + ", \"port\": " + port + "}";
    }

    /**
     * A JSON string literal. Also safe inside an HTML {@code <script>} element (the timeline embeds
     * JSON): {@code <}, {@code >}, {@code &} and the two JavaScript line separators are escaped too,
     * which JSON allows, so no {@code </script>} or {@code <!--} in a recording's text can end or
     * change the element.
     */
    public static String string(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '"':
                    b.append("\\\"");
                    break;
                case '\\':
                    b.append("\\\\");
                    break;
                case '\n':
                    b.append("\\n");
                    break;
                case '\r':
                    b.append("\\r");
                    break;
                case '\t':
                    b.append("\\t");
                    break;
                default:
                    if (ch < 0x20 || ch == '<' || ch == '>' || ch == '&' || ch == '\u2028' || ch == '\u2029') {
                        b.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) ch));
                    } else {
                        b.append(ch);
                    }
            }
        }
        return b.append('"').toString();
    }
}
