package io.socktrace.correlator;

import io.socktrace.correlator.capture.CaptureFormatException;
import io.socktrace.correlator.capture.CaptureReader;
import io.socktrace.correlator.capture.CaptureStatistics;
import io.socktrace.correlator.capture.DecodingPipeline;
import io.socktrace.correlator.flow.ConnState;
import io.socktrace.correlator.flow.FlowTracker;
import io.socktrace.correlator.flow.TcpFlow;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import io.socktrace.correlator.join.Correlation;
import io.socktrace.correlator.join.CorrelationBuilder;
import io.socktrace.correlator.report.JsonReport;
import io.socktrace.correlator.join.PacketIndex;
import io.socktrace.correlator.report.AnnotatedPcapng;
import io.socktrace.correlator.jvm.RecordingReader;
import io.socktrace.correlator.report.HtmlTimeline;
import io.socktrace.correlator.report.PacketRecording;
import io.socktrace.correlator.report.TextReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * Command line of the correlator ({@code java -jar socktrace-correlator.jar correlate --pcap FILE}).
 * Exit codes: 0 done, 1 the input could not be read (one line naming file and offset), 2 bad
 * arguments. Nothing but one-line messages ever reaches stderr.
 */
public final class Main {
    static final int OK = 0;
    static final int INPUT_ERROR = 1;
    static final int USAGE_ERROR = 2;

    private static final String PROGRAM = "socktrace-correlator";
    private static final String USAGE = String.join("\n",
            "Usage: java -jar socktrace-correlator.jar <command> [options]",
            "",
            "Commands:",
            "  correlate   rebuild the TCP flows of a packet capture (and join them to recordings)",
            "  capture     record packets from an interface into a pcap file (libpcap; root)",
            "",
            "Run '<command> --help' for the options of a command.");
    private static final String CORRELATE_USAGE = String.join("\n",
            "Usage: java -jar socktrace-correlator.jar correlate --pcap FILE [--jfr REC.jfr] [options]",
            "",
            "Reads a pcap or pcapng file and prints each TCP flow: start time, client -> server,",
            "Zeek conn_state, packets and payload bytes each way, handshake RTT, SYN count, FIN/RST",
            "directions; then a summary line. With --jfr, joins the flows to the socktrace events of",
            "the recording instead and prints, per connection, what happened (finding codes such as",
            "REFUSED, SYN_TIMEOUT, PEER_RESET, PEER_VANISHED, LOCAL_ABORT, WRITE_AFTER_PEER_CLOSE, CLOSE_WAIT).",
            "",
            "Options:",
            "  --pcap FILE              capture to read (pcap or pcapng; us or ns time stamps)",
            "  --jfr FILE               socktrace recording of the same time, from the same host (repeatable)",
            "  --json FILE              also write the joined connections and findings as JSON (with --jfr)",
            "  --pcapng FILE            also write a pcapng copy of the capture whose packets carry comments",
            "                           (Wireshark: frame.comment) naming the JVM connection, the Java call under",
            "                           way and the finding codes (with --jfr); times, bytes, lengths, interfaces kept",
            "  --html FILE              also write a timeline of each joined connection, Java calls and packets on one",
            "                           clock, as one self-contained HTML page (with --jfr)",
            "  --jfr-out FILE           also write a recording for Mission Control (with --jfr): the recordings'",
            "                           events plus each TCP packet as a socktrace.Packet event on the JVM's clock;",
            "                           with several --jfr, one file per recording (FILE-<recording>.jfr) with the",
            "                           packets of its time span: JDK tools cannot read two JVMs' chunks in one file",
            "  --max-packet-events N    at most N packets in --jfr-out, the rest skipped (default "
                    + PacketRecording.DEFAULT_MAX_PACKETS + ")",
            "  --idle-timeout SECONDS   a flow silent this long is over (default 60)",
            "  --strict                 a record cut off by the end of the file is an error",
            "  --help                   show this help");

    private Main() {
    }

    /** Entry point; exits with {@link #run}'s code. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs a command, printing results to {@code out} and one-line errors to {@code err}. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            if (args.length == 0) {
                return usageError(err, "no command given (try --help)");
            }
            switch (args[0]) {
                case "--help":
                case "-h":
                case "help":
                    out.println(USAGE);
                    return OK;
                case "correlate":
                    return correlate(args, out, err);
                case "capture":
                    return capture(args, out, err);
                default:
                    return usageError(err, "unknown command '" + args[0] + "' (try --help)");
            }
        } catch (RuntimeException | Error e) {
            // A bug of ours must still end in one line, never a stack trace dump.
            err.println(PROGRAM + ": internal error: " + e);
            return INPUT_ERROR;
        }
    }

    private static int correlate(String[] args, PrintStream out, PrintStream err) {
        String pcap = null;
        List<String> jfrs = new ArrayList<>();
        String json = null;
        String pcapng = null;
        String html = null;
        String jfrOut = null;
        long maxPacketEvents = PacketRecording.DEFAULT_MAX_PACKETS;
        boolean strict = false;
        long idleTimeoutNanos = FlowTracker.DEFAULT_IDLE_TIMEOUT_NANOS;
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--help":
                case "-h":
                    out.println(CORRELATE_USAGE);
                    return OK;
                case "--strict":
                    strict = true;
                    break;
                case "--pcap":
                    if (i + 1 >= args.length) {
                        return usageError(err, "--pcap needs a file name");
                    }
                    pcap = args[++i];
                    break;
                case "--json":
                    if (i + 1 >= args.length) {
                        return usageError(err, "--json needs a file name");
                    }
                    json = args[++i];
                    break;
                case "--pcapng":
                    if (i + 1 >= args.length) {
                        return usageError(err, "--pcapng needs a file name");
                    }
                    pcapng = args[++i];
                    break;
                case "--html":
                    if (i + 1 >= args.length) {
                        return usageError(err, "--html needs a file name");
                    }
                    html = args[++i];
                    break;
                case "--jfr-out":
                    if (i + 1 >= args.length) {
                        return usageError(err, "--jfr-out needs a file name");
                    }
                    jfrOut = args[++i];
                    break;
                case "--max-packet-events":
                    if (i + 1 >= args.length) {
                        return usageError(err, "--max-packet-events needs a number");
                    }
                    try {
                        maxPacketEvents = Long.parseLong(args[++i]);
                    } catch (NumberFormatException e) {
                        maxPacketEvents = -1;
                    }
                    if (maxPacketEvents < 0) {
                        return usageError(err, "--max-packet-events must be a number of packets, not '" + args[i] + "'");
                    }
                    break;
                case "--jfr":
                    if (i + 1 >= args.length) {
                        return usageError(err, "--jfr needs a file name");
                    }
                    jfrs.add(args[++i]);
                    break;
                case "--idle-timeout":
                    if (i + 1 >= args.length) {
                        return usageError(err, "--idle-timeout needs a number of seconds");
                    }
                    try {
                        double seconds = Double.parseDouble(args[++i]);
                        if (!(seconds > 0) || seconds > 1e9) {
                            return usageError(err, "--idle-timeout must be a positive number of seconds, not '" + args[i] + "'");
                        }
                        idleTimeoutNanos = (long) (seconds * 1e9);
                    } catch (NumberFormatException e) {
                        return usageError(err, "--idle-timeout must be a positive number of seconds, not '" + args[i] + "'");
                    }
                    break;
                default:
                    return usageError(err, "correlate: unknown option '" + arg + "' (try correlate --help)");
            }
        }
        if (pcap == null) {
            return usageError(err, "correlate: --pcap FILE is required (try correlate --help)");
        }
        if (pcapng != null && jfrs.isEmpty()) {
            return usageError(err, "--pcapng needs --jfr (the comments name the JVM's connections)");
        }
        if (html != null && jfrs.isEmpty()) {
            return usageError(err, "--html needs --jfr (the timeline shows the joined connections)");
        }
        if (json != null && jfrs.isEmpty()) {
            return usageError(err, "--json needs --jfr (the JSON describes the joined connections)");
        }
        if (jfrOut != null && jfrs.isEmpty()) {
            return usageError(err, "--jfr-out needs --jfr (the output holds the recordings' events and the packets)");
        }
        Path path = Paths.get(pcap);
        if (Files.isDirectory(path)) {
            err.println(PROGRAM + ": " + pcap + ": is a directory");
            return INPUT_ERROR;
        }
        if (pcapng != null && sameFile(path, Paths.get(pcapng))) {
            return usageError(err, "--pcapng " + pcapng + " is the input capture; choose another file");
        }
        List<Path> recordings = new ArrayList<>();
        for (String jfr : jfrs) {
            recordings.add(Paths.get(jfr));
        }
        // the recordings are read while the capture is parsed; flows are joined as they finish,
        // so only flows of the recording's connections stay in memory
        BackgroundRecordings background = recordings.isEmpty() ? null : BackgroundRecordings.start(recordings);
        Map<ConnState, Integer> states = new EnumMap<>(ConnState.class);
        FlowTracker tracker = new FlowTracker(flow -> {
            states.merge(flow.connState(), 1, Integer::sum);
            if (background == null) {
                out.println(describe(flow));
            } else {
                background.offer(flow);
            }
        }, idleTimeoutNanos);
        CaptureStatistics statistics;
        CorrelationBuilder joiner = null;
        // the capture is read and decoded on a thread of its own while this one rebuilds the flows;
        // the pipeline closes (and its thread ends) before the reader
        try (CaptureReader reader = CaptureReader.open(path, strict);
             DecodingPipeline packets = DecodingPipeline.start(reader)) {
            for (DecodingPipeline.Batch batch; (batch = packets.next()) != null; ) {
                tracker.accept(batch);
            }
            tracker.finish();
            statistics = reader.statistics();
            if (background != null) {
                joiner = background.finish();
                joiner.undecodablePackets(statistics.undecodablePackets());
            }
        } catch (BackgroundRecordings.Failed e) {
            err.println(PROGRAM + ": " + e.getMessage());
            return INPUT_ERROR;
        } catch (RecordingReader.RecordingException e) {
            err.println(PROGRAM + ": " + e.getMessage());
            return INPUT_ERROR;
        } catch (CaptureFormatException e) {
            return captureProblem(background, out, err, e.getMessage());
        } catch (NoSuchFileException e) {
            return captureProblem(background, out, err, pcap + ": no such file");
        } catch (IOException e) {
            return captureProblem(background, out, err, pcap + ": cannot read: " + e.getMessage());
        } finally {
            if (background != null) {
                background.close(); // its threads end, whatever happened
            }
        }
        StringBuilder summary = new StringBuilder(160);
        summary.append("summary: packets ").append(statistics.packets())
                .append(", tcp ").append(statistics.tcpPackets())
                .append(", non-tcp skipped ").append(statistics.notTcpPackets())
                .append(", fragments skipped ").append(statistics.fragments())
                .append(", undecodable ").append(statistics.undecodablePackets())
                .append(", flows ").append(tracker.flowsReported());
        if (!states.isEmpty()) {
            summary.append(" (");
            String separator = "";
            for (Map.Entry<ConnState, Integer> entry : states.entrySet()) {
                summary.append(separator).append(entry.getKey()).append(' ').append(entry.getValue());
                separator = ", ";
            }
            summary.append(')');
        }
        if (joiner != null) {
            Correlation correlation = joiner.build();
            out.print(TextReport.of(correlation));
            out.println();
            if (json != null) {
                try {
                    Files.writeString(Paths.get(json), JsonReport.of(correlation));
                } catch (IOException e) {
                    err.println(PROGRAM + ": " + json + ": cannot write: " + e.getMessage());
                    return INPUT_ERROR;
                }
            }
            // which packets belong to which call: one index for both outputs that annotate packets
            PacketIndex index = pcapng != null || html != null ? PacketIndex.of(correlation) : null;
            if (pcapng != null) {
                try {
                    AnnotatedPcapng.write(path, strict, index, Paths.get(pcapng));
                } catch (CaptureFormatException e) {
                    err.println(PROGRAM + ": " + e.getMessage());
                    return INPUT_ERROR;
                } catch (IOException e) {
                    err.println(PROGRAM + ": " + pcapng + ": cannot write: " + writeProblem(Paths.get(pcapng), e));
                    return INPUT_ERROR;
                }
            }
            if (html != null) {
                String page;
                try {
                    page = HtmlTimeline.render(index, path, recordings);
                } catch (CaptureFormatException e) {
                    err.println(PROGRAM + ": " + e.getMessage());
                    return INPUT_ERROR;
                } catch (IOException e) {
                    err.println(PROGRAM + ": " + pcap + ": cannot read: " + e.getMessage());
                    return INPUT_ERROR;
                }
                try {
                    Files.writeString(Paths.get(html), page);
                } catch (IOException e) {
                    err.println(PROGRAM + ": " + html + ": cannot write: " + e.getMessage());
                    return INPUT_ERROR;
                }
            }
            if (jfrOut != null) {
                List<PacketRecording.Result> written;
                try {
                    written = PacketRecording.writeEach(Paths.get(jfrOut), recordings, path, strict, correlation, maxPacketEvents);
                } catch (CaptureFormatException e) {
                    err.println(PROGRAM + ": " + e.getMessage());
                    return INPUT_ERROR;
                } catch (IOException e) {
                    err.println(PROGRAM + ": " + e.getMessage());
                    return INPUT_ERROR;
                }
                List<Path> outputs = PacketRecording.outputs(Paths.get(jfrOut), recordings);
                for (int i = 0; i < written.size(); i++) {
                    PacketRecording.Result r = written.get(i);
                    out.println("jfr-out: " + outputs.get(i) + ": " + r.chunksCopied + " chunk" + (r.chunksCopied == 1 ? "" : "s")
                            + " of " + (recordings.size() == 1 ? "the recording" : recordings.get(i)) + ", " + r.packets
                            + " packet events (" + r.packetsOfConnections + " of JVM connections) in " + r.chunksWritten + " chunk"
                            + (r.chunksWritten == 1 ? "" : "s") + (r.packetsSkipped == 0 ? ""
                            : ", " + r.packetsSkipped + " packets skipped beyond --max-packet-events " + maxPacketEvents));
                    if (r.packetsSkipped > 0) {
                        err.println(PROGRAM + ": warning: " + outputs.get(i) + ": " + r.packetsSkipped
                                + " packets left out beyond --max-packet-events " + maxPacketEvents);
                    }
                }
            }
        } else if (json != null) {
            return usageError(err, "--json needs --jfr (the JSON describes the joined connections)");
        } else if (html != null) {
            return usageError(err, "--html needs --jfr (the timeline shows the joined connections)");
        }
        out.println(summary);
        out.flush();
        if (statistics.truncation() != null) {
            err.println(PROGRAM + ": warning: " + statistics.truncation() + "; skipped");
        }
        return OK;
    }

    /** The exceptions of java.nio.file name only a path (here a temporary one); say what went wrong instead. */
    private static String writeProblem(Path out, IOException e) {
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            return "no such directory";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        return e instanceof FileSystemException && ((FileSystemException) e).getReason() != null
                ? ((FileSystemException) e).getReason() : String.valueOf(e.getMessage());
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false; // the input's own problems are reported when it is read
        }
    }

    /** One line per flow. */
    static String describe(TcpFlow flow) {
        return flow.describe();
    }

    private static final String CAPTURE_USAGE = String.join("\n",
            "Usage: java -jar socktrace-correlator.jar capture --interface IF --out FILE.pcap [--filter BPF] [--duration 30s] [--pid N]",
            "",
            "Records packets (first " + LiveCapture.SNAPLEN + " bytes, nanosecond stamps) from an interface for a",
            "fixed time, e.g. capture --interface lo --out cap.pcap --filter 'tcp port 8080' --duration 10s.",
            "With --pid N, keeps only packets on the TCP ports of that process's sockets (scanned from /proc",
            "every 100 ms; a socket that opens and closes between two scans, like a refused connect, is missed),",
            "and stops early when the process exits. Needs libpcap and root (or CAP_NET_RAW).");

    private static int capture(String[] args, PrintStream out, PrintStream err) {
        String device = null;
        String file = null;
        String filter = null;
        long millis = 30_000;
        long pid = 0;
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                out.println(CAPTURE_USAGE);
                return OK;
            }
            if (i + 1 >= args.length) {
                return usageError(err, "capture: " + arg + " needs a value (try capture --help)");
            }
            String value = args[++i];
            switch (arg) {
                case "--interface":
                    device = value;
                    break;
                case "--out":
                    file = value;
                    break;
                case "--filter":
                    filter = value;
                    break;
                case "--pid":
                    try {
                        pid = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        pid = -1;
                    }
                    if (pid <= 0) {
                        return usageError(err, "capture: --pid must be a process id, not '" + value + "'");
                    }
                    break;
                case "--duration":
                    try {
                        millis = value.endsWith("ms") ? Long.parseLong(value.substring(0, value.length() - 2))
                                : value.endsWith("s") ? Math.round(Double.parseDouble(value.substring(0, value.length() - 1)) * 1000)
                                : Math.round(Double.parseDouble(value) * 1000);
                    } catch (NumberFormatException e) {
                        millis = -1;
                    }
                    if (millis <= 0) {
                        return usageError(err, "capture: --duration must be a positive time such as 30s or 500ms, not '" + value + "'");
                    }
                    break;
                default:
                    return usageError(err, "capture: unknown option '" + arg + "' (try capture --help)");
            }
        }
        if (device == null || file == null) {
            return usageError(err, "capture: --interface and --out are required (try capture --help)");
        }
        return LiveCapture.run(device, Paths.get(file), filter, millis, pid, out, err);
    }

    /**
     * A capture that cannot be read, unless a recording could not be read either: the recording's
     * error is named first, as it was when recordings were read before the capture.
     */
    private static int captureProblem(BackgroundRecordings background, PrintStream out, PrintStream err, String message) {
        RecordingReader.RecordingException recordingProblem = background == null ? null : background.failure();
        out.flush();
        err.println(PROGRAM + ": " + (recordingProblem != null ? recordingProblem.getMessage() : message));
        return INPUT_ERROR;
    }

    private static int usageError(PrintStream err, String message) {
        err.println(PROGRAM + ": " + message);
        return USAGE_ERROR;
    }
}
