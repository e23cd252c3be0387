package io.socktrace.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * tcpdump recording TCP on loopback into a file, for end-to-end tests that join a recording to a
 * real capture. Starting one requires root and tcpdump ({@link Requirements}); {@link #close}
 * stops it whatever the test's outcome, after a clean stop (SIGTERM) that flushes the file has had
 * its chance.
 */
public final class LoopbackCapture implements AutoCloseable {
    private final Process tcpdump;
    private final Path log;
    private boolean stopped;

    private LoopbackCapture(Process tcpdump, Path log) {
        this.tcpdump = tcpdump;
        this.log = log;
    }

    /** The requirements of a live loopback capture with tcpdump: root and the command. */
    public static void require() {
        Requirements.require(Requirement.root(), Requirement.command("tcpdump", "tcpdump"));
    }

    /**
     * tcpdump on {@code lo} writing 128-byte snapshots of TCP packets to {@code pcap}, returned once
     * it says it is listening; its messages go to {@code pcap}'s name plus {@code .log}.
     */
    public static LoopbackCapture start(Path pcap) throws IOException, InterruptedException {
        require();
        Path log = pcap.resolveSibling(pcap.getFileName() + ".log");
        Process tcpdump = new ProcessBuilder("tcpdump", "-i", "lo", "-s", "128", "--immediate-mode", "-w", pcap.toString(), "tcp")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        LoopbackCapture capture = new LoopbackCapture(tcpdump, log);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Files.readString(log).contains("listening on") && tcpdump.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            if (!Files.readString(log).contains("listening on")) {
                throw new IllegalStateException("tcpdump did not start listening within 10 s: " + Files.readString(log));
            }
            return capture;
        } catch (IOException | InterruptedException | RuntimeException e) {
            capture.close();
            throw e;
        }
    }

    /**
     * Stops tcpdump with SIGTERM, so it writes out what it buffered, and fails if it is still running
     * 10 s later (after killing it).
     */
    public void stop() throws InterruptedException {
        if (stopped) {
            return;
        }
        stopped = true;
        tcpdump.destroy();
        if (!tcpdump.waitFor(10, TimeUnit.SECONDS)) {
            tcpdump.destroyForcibly();
            tcpdump.waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException("tcpdump did not stop within 10 s of SIGTERM (killed it): " + log);
        }
    }

    /** {@link #stop}, if the test did not already. */
    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
