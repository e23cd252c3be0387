package io.socktrace.correlator;

import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.correlator.capture.CaptureReader;
import io.socktrace.correlator.capture.CaptureStatistics;
import io.socktrace.correlator.capture.PacketCursor;
import io.socktrace.correlator.flow.FlowTracker;
import io.socktrace.correlator.jvm.LoopbackLoad;
import io.socktrace.testsupport.LoopbackCapture;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code correlate --pcap} (capture decoded on a thread of its own, flows looked up in the
 * open-addressing index) prints, on a real loopback capture of many interleaved connections, the
 * very lines a straightforward single-threaded loop gives: the same flows with the same values in
 * the same order (the order in which the tracker finishes them, which the join and its listings
 * follow too). Root and tcpdump, else skipped (as the other capture tests).
 */
class PipelinedCorrelateTest {
    @TempDir
    Path dir;

    @Test
    void realCapture_sameLinesAsASingleThreadedLoop() throws Exception {
        Path pcap = dir.resolve("load.pcap");
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        int connections = 600;
        try (LoopbackCapture capture = LoopbackCapture.start(pcap)) {
            LoopbackLoad.main(new String[] {Integer.toString(port), Integer.toString(connections), "4", "4", "60"});
            Thread.sleep(300);
            capture.stop();
        }

        // the straightforward path: one thread, reader then tracker, packet by packet
        List<String> expected = new ArrayList<>();
        FlowTracker tracker = new FlowTracker(flow -> expected.add(flow.describe()));
        CaptureStatistics statistics;
        try (CaptureReader reader = CaptureReader.open(pcap, false)) {
            PacketCursor packet = new PacketCursor();
            while (reader.next(packet)) {
                tracker.accept(packet);
            }
            tracker.finish();
            statistics = reader.statistics();
        }
        // tcpdump may drop a burst on a busy machine (both paths read the same file, so the
        // comparison below holds whatever it kept); most of the load must be there
        long ours = expected.stream().filter(line -> line.contains(":" + port + " ")).count();
        assertThat(ours).as("flows to the load's port").isGreaterThan(connections / 2);
        assertThat(statistics.packets()).isGreaterThan(connections * 10L);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"correlate", "--pcap", pcap.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        List<String> printed = new ArrayList<>(Arrays.asList(out.toString(StandardCharsets.UTF_8).split("\n")));
        String summary = printed.remove(printed.size() - 1);
        assertThat(printed).isEqualTo(expected);
        assertThat(summary).startsWith("summary: packets " + statistics.packets() + ", tcp " + statistics.tcpPackets() + ",")
                .contains(", flows " + expected.size() + " (");
    }
}
