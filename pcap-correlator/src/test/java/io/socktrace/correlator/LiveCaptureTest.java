package io.socktrace.correlator;

import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.correlator.flow.ConnState;
import io.socktrace.correlator.flow.TcpFlow;
import io.socktrace.testsupport.Requirement;
import io.socktrace.testsupport.Requirements;
import io.socktrace.testsupport.Stopping;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code capture} on loopback through libpcap (root and libpcap, else skipped; CI has both):
 * a real connection during the capture must come back from our own reader as one SF flow with the
 * bytes that were sent, with nanosecond time stamps.
 */
class LiveCaptureTest {

    /** A live capture through libpcap: root, and libpcap for pcap4j to load. */
    private static void requireLiveCapture() {
        Requirements.require(Requirement.root(), Requirement.library("libpcap.so", "libpcap0.8"));
    }

    @Test
    void capture_loopback_recordsTheConnection(@TempDir Path dir) throws Exception {
        requireLiveCapture();
        Path pcap = dir.resolve("live.pcap");
        try (ServerSocket listener = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            int port = listener.getLocalPort();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            CompletableFuture<Integer> capture = CompletableFuture.supplyAsync(() -> Main.run(new String[] {"capture",
                "--interface", "lo", "--out", pcap.toString(), "--filter", "tcp port " + port, "--duration", "2s"},
                    new PrintStream(out, true), new PrintStream(err, true)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!out.toString().contains("capturing on lo") && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            Thread.sleep(300);
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port); Socket server = listener.accept()) {
                client.getOutputStream().write(new byte[1234]);
                assertThat(server.getInputStream().readNBytes(1234)).hasSize(1234);
                server.getOutputStream().write(new byte[56]);
                assertThat(client.getInputStream().readNBytes(56)).hasSize(56);
                client.shutdownOutput();
                assertThat(server.getInputStream().read()).isEqualTo(-1);
            }
            assertThat(capture.get(20, TimeUnit.SECONDS)).as(out + "\n" + err).isZero();
            assertThat(out.toString()).contains("done: libpcap received");
        }
        byte[] header = new byte[4];
        try (var in = Files.newInputStream(pcap)) {
            assertThat(in.readNBytes(header, 0, 4)).isEqualTo(4);
        }
        int magic = ByteBuffer.wrap(header).order(ByteOrder.nativeOrder()).getInt();
        assertThat(Integer.toHexString(magic)).as("nanosecond pcap").isEqualTo("a1b23c4d");

        List<TcpFlow> flows = TestCaptures.flows(pcap);
        assertThat(flows).hasSize(1);
        TcpFlow flow = flows.get(0);
        assertThat(flow.connState()).isEqualTo(ConnState.SF);
        assertThat(flow.client().payloadBytes()).isEqualTo(1234);
        assertThat(flow.server().payloadBytes()).isEqualTo(56);

    }

    /** Answers each connection's 100 bytes with 100 bytes, until the listener closes. */
    private static Thread echo(ServerSocket listener) {
        Thread t = new Thread(() -> {
            while (!listener.isClosed()) {
                try (Socket s = listener.accept()) {
                    byte[] request = s.getInputStream().readNBytes(100);
                    s.getOutputStream().write(request);
                    s.getInputStream().read();
                } catch (Exception e) {
                    return;
                }
            }
        }, "echo-" + listener.getLocalPort());
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    void capture_pid_keepsOnlyThatProcessesConnections(@TempDir Path dir) throws Exception {
        Path pcap = dir.resolve("pid.pcap");
        requireLiveCapture();
        try (ServerSocket forChild = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                ServerSocket noise = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                // waits for a line on its stdin before it connects
                Stopping running = Stopping.of(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp", Path.of("target/test-classes").toAbsolutePath().toString(), PidPeer.class.getName(),
                        String.valueOf(forChild.getLocalPort()), "5").redirectErrorStream(true).start())) {
            echo(forChild);
            echo(noise);
            Process child = running.process();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            CompletableFuture<Integer> capture = CompletableFuture.supplyAsync(() -> Main.run(new String[] {"capture",
                "--interface", "lo", "--out", pcap.toString(), "--pid", String.valueOf(child.pid()), "--duration", "20s"},
                    new PrintStream(out, true), new PrintStream(err, true)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!out.toString().contains("capturing on lo") && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            Thread.sleep(300);
            child.getOutputStream().write('\n');
            child.getOutputStream().flush();
            // our own connections to another port while the child works: not the child's, left out
            for (int i = 0; i < 10; i++) {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), noise.getLocalPort())) {
                    s.getOutputStream().write(new byte[100]);
                    assertThat(s.getInputStream().readNBytes(100)).hasSize(100);
                }
                Thread.sleep(150);
            }
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(new String(child.getInputStream().readAllBytes())).contains("done 5");
            // the capture ends by itself once the process is gone, well before its 20 s
            assertThat(capture.get(10, TimeUnit.SECONDS)).as(out + "\n" + err).isZero();
            assertThat(out.toString()).contains("only the ports of process " + child.pid()).contains("process " + child.pid() + " exited");

            List<TcpFlow> flows = TestCaptures.flows(pcap);
            assertThat(flows).hasSize(5);
            for (TcpFlow flow : flows) {
                assertThat(flow.serverPort()).isEqualTo(forChild.getLocalPort());
                assertThat(flow.synCount()).as("the SYN, sent before any scan could see the socket, was kept").isEqualTo(1);
                assertThat(flow.connState()).isEqualTo(ConnState.SF);
                assertThat(flow.client().payloadBytes()).isEqualTo(100);
                assertThat(flow.server().payloadBytes()).isEqualTo(100);
            }
        }
    }

    @Test
    void capture_badArguments_areOneLineAndExitCode2() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true);
        PrintStream o = new PrintStream(new ByteArrayOutputStream(), true);
        assertThat(Main.run(new String[] {"capture", "--out", "x.pcap"}, o, e)).isEqualTo(2);
        assertThat(Main.run(new String[] {"capture", "--interface", "lo", "--out", "x.pcap", "--duration", "soon"}, o, e)).isEqualTo(2);
        assertThat(Main.run(new String[] {"capture", "--interface", "no-such-if0", "--out", "x.pcap", "--duration", "1s"}, o, e)).isEqualTo(2);
        assertThat(Main.run(new String[] {"capture", "--interface", "lo", "--out", "x.pcap", "--pid", "x1"}, o, e)).isEqualTo(2);
        assertThat(err.toString().lines()).hasSize(4);
        assertThat(err.toString()).contains("--interface and --out are required", "--duration must be a positive time",
                "no interface 'no-such-if0' (available: ", "--pid must be a process id, not 'x1'");
        requireLiveCapture(); // the process is looked for once the interface is open
        assertThat(Main.run(new String[] {"capture", "--interface", "lo", "--out", "x.pcap", "--pid", "999999999"}, o, e)).isEqualTo(2);
        assertThat(err.toString().lines()).hasSize(5);
        assertThat(err.toString()).contains("no process 999999999");
    }
}
