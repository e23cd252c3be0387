package io.socktrace.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.agent.it.AgentJvm.Endpoints;
import io.socktrace.agent.it.AgentJvm.Result;
import io.socktrace.agent.it.programs.GrpcUnary;
import io.socktrace.agent.it.programs.NettyEpollScenarios;
import io.socktrace.events.EventFields;
import io.socktrace.events.EventNames;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.Test;

/**
 * Netty's native epoll transport under the agent, through its Java layer: plain Netty 4.1 and 4.2
 * and gRPC's relocated copy (its default transport). Each connection gives the same events as
 * on the JDK's paths, once, with the 4-tuple, byte totals and outcomes the application saw; the
 * recording says which transports carried how many connections, and names the one it cannot
 * trace (io_uring).
 */
class NettyNativeIT {

    private static final long ECHOED = NettyEpollScenarios.MESSAGES[0] + NettyEpollScenarios.MESSAGES[1] + NettyEpollScenarios.MESSAGES[2];

    @Test
    void netty41Epoll_echoRefusedAndReset_recordedAsOnTheJdkPaths() throws Exception {
        Result r = run(libs("socktrace.nettyLibs"), "", NettyEpollScenarios.class.getName());
        assertScenarios(r);
        RecordedEvent epoll = transport(r, "netty-epoll", "io.netty");
        assertThat(epoll.getBoolean(EventFields.TRACED)).isTrue();
        assertThat(epoll.getLong(EventFields.CONNECTIONS_TRACED)).isEqualTo(6); // echo, reset and slow reader, both ends (not the UDP socket)
    }

    /** Netty before 4.1.80 has no recv/send: its sockets read and write through FileDescriptor, hooked with the same advice. */
    @Test
    void netty41Before80_readsThroughFileDescriptor_sameEvents() throws Exception {
        Result r = run(libs("socktrace.netty4168Libs"), "log=info", NettyEpollScenarios.class.getName());
        assertScenarios(r, "readAddress");
        RecordedEvent epoll = transport(r, "netty-epoll", "io.netty");
        assertThat(epoll.getBoolean(EventFields.TRACED)).isTrue();
        assertThat(epoll.getLong(EventFields.CONNECTIONS_TRACED)).isEqualTo(6);
        assertThat(r.stderr).doesNotContain("unknown Netty").doesNotContain("not traced");
    }

    @Test
    void netty42Epoll_sameEvents_andIoUringSaidToBeUntraced() throws Exception {
        Result r = run(libs("socktrace.netty42Libs"), "log=info", NettyEpollScenarios.class.getName(), "io_uring");
        assertThat(r.stdout).contains("loaded io_uring");
        assertScenarios(r);
        assertThat(transport(r, "netty-epoll", "io.netty").getLong(EventFields.CONNECTIONS_TRACED)).isEqualTo(6);
        assertThat(r.stderr).contains("[socktrace] connections through netty-io_uring (io.netty) are not traced");
        RecordedEvent uring = transport(r, "netty-io_uring", "io.netty");
        assertThat(uring.getBoolean(EventFields.TRACED)).isFalse();
        assertThat(uring.getString(EventFields.NOTE)).contains("not in a Java method");

        Result summary = AgentJvm.exec(List.of(AgentJvm.JAVA, "-jar", AgentJvm.AGENT_JAR.toString(), "summary", r.recording.toString()), null);
        assertThat(summary.exitCode).as(summary.stderr).isZero();
        assertThat(summary.stdout).contains("transport netty-epoll (io.netty): 6 connections traced")
                // the JDK's: only the plain sockets that filled the timeout's accept queue
                .contains("transport jdk (java.base): " + fillers(r) + " connections traced")
                .contains("transport netty-io_uring (io.netty): NOT TRACED, its reads and writes complete in the kernel's queue");
    }

    /** gRPC on both of its Netty transports: epoll (its default on Linux) and NIO (noNative), the same events either way. */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"epoll", "nio"})
    void grpcShadedNetty_bothTransports_oneConnectionBothEnds(String transport) throws Exception {
        String testClasspath = Files.readString(Path.of(System.getProperty("socktrace.testClasspath"))).trim();
        List<String> cmd = new java.util.ArrayList<>();
        if (transport.equals("nio")) {
            cmd.add("-Dio.grpc.netty.shaded.io.netty.transport.noNative=true");
        }
        cmd.addAll(List.of("-cp", AgentJvm.TEST_CLASSES + File.pathSeparator + testClasspath, GrpcUnary.class.getName()));
        Result r = AgentJvm.run("", List.of(), cmd);
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        for (int i = 0; i < GrpcUnary.CALLS; i++) {
            assertThat(r.stdout).contains("echo call " + i);
        }
        Endpoints client = r.socket("client");
        Endpoints server = r.socket("server");
        RecordedEvent connect = r.single(EventNames.CONNECT, client);
        assertThat(connect.getString(EventFields.OUTCOME)).isEqualTo("CONNECTED");
        assertThat(connect.getBoolean(EventFields.BLOCKING)).isFalse();
        RecordedEvent accept = r.single(EventNames.ACCEPT, server);
        assertThat(accept.getString(EventFields.OUTCOME)).isEqualTo("ACCEPTED");
        assertThat(accept.getString(EventFields.COMMUNITY_ID)).isEqualTo(connect.getString(EventFields.COMMUNITY_ID)).isNotEmpty();
        RecordedEvent clientClose = r.single(EventNames.CLOSE, client);
        RecordedEvent serverClose = r.single(EventNames.CLOSE, server);
        // HTTP/2 preface, settings, headers and three calls each way: what one side wrote, the other read
        assertThat(clientClose.getLong(EventFields.BYTES_WRITTEN)).isEqualTo(serverClose.getLong(EventFields.BYTES_READ)).isGreaterThan(100);
        assertThat(serverClose.getLong(EventFields.BYTES_WRITTEN)).isEqualTo(clientClose.getLong(EventFields.BYTES_READ)).isGreaterThan(100);
        assertThat(clientClose.getString(EventFields.INITIATOR)).isEqualTo("LOCAL");
        assertThat(serverClose.getString(EventFields.INITIATOR)).isEqualTo("PEER");
        // which transport carried it, as the recording says
        long viaEpoll = r.events(EventNames.TRANSPORT, e -> "netty-epoll".equals(e.getString(EventFields.TRANSPORT))
                && "io.grpc.netty.shaded.io.netty".equals(e.getString(EventFields.LIBRARY)))
                .stream().mapToLong(e -> e.getLong(EventFields.CONNECTIONS_TRACED)).max().orElse(0);
        assertThat(viaEpoll).isEqualTo(transport.equals("epoll") ? 2 : 0);
        assertThat(transport(r, "jdk", "java.base").getLong(EventFields.CONNECTIONS_TRACED)).isEqualTo(transport.equals("epoll") ? 0 : 2);
    }

    /**
     * gRPC over shaded epoll with the OpenTelemetry Java agent in the same JVM (which instruments gRPC
     * itself), in both orders: the calls succeed as without agents and socktrace still sees the one
     * connection from both ends.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0} first")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"socktrace", "opentelemetry"})
    void grpcNextToOpenTelemetry_callsUnchanged_connectionTraced(String first) throws Exception {
        Path otelAgent = Path.of(System.getProperty("socktrace.otelAgent", "target/it-libs/opentelemetry-javaagent.jar"));
        assertThat(otelAgent).exists();
        Files.createDirectories(AgentJvm.WORK);
        Path recording = Files.createTempFile(AgentJvm.WORK, "grpc-otel", ".jfr");
        Files.delete(recording);
        String socktrace = "-javaagent:" + AgentJvm.AGENT_JAR + "=recording=" + recording;
        String otel = "-javaagent:" + otelAgent;
        List<String> cmd = new java.util.ArrayList<>(List.of(AgentJvm.JAVA));
        cmd.addAll(first.equals("socktrace") ? List.of(socktrace, otel) : List.of(otel, socktrace));
        cmd.addAll(List.of("-cp", AgentJvm.TEST_CLASSES + File.pathSeparator
                + Files.readString(Path.of(System.getProperty("socktrace.testClasspath"))).trim(), GrpcUnary.class.getName()));
        Result r = AgentJvm.exec(cmd, recording, java.util.Map.of("OTEL_TRACES_EXPORTER", "none", "OTEL_METRICS_EXPORTER", "none",
                "OTEL_LOGS_EXPORTER", "none"));
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        assertThat(r.stderr).doesNotContain("[socktrace]").contains("opentelemetry-javaagent - version:");
        for (int i = 0; i < GrpcUnary.CALLS; i++) {
            assertThat(r.stdout).contains("echo call " + i);
        }
        RecordedEvent connect = r.single(EventNames.CONNECT, r.socket("client"));
        assertThat(connect.getString(EventFields.OUTCOME)).isEqualTo("CONNECTED");
        assertThat(r.single(EventNames.ACCEPT, r.socket("server")).getString(EventFields.COMMUNITY_ID))
                .isEqualTo(connect.getString(EventFields.COMMUNITY_ID));
        assertThat(r.single(EventNames.CLOSE, r.socket("client")).getLong(EventFields.BYTES_WRITTEN)).isGreaterThan(100);
    }

    /** The kernel's view and the CLOSE_WAIT check see Netty's sockets too (found by their descriptors' inodes). */
    @Test
    void closeWait_kernelViewAndLeakCheck_onEpollSockets() throws Exception {
        Result r = run(libs("socktrace.nettyLibs"), AgentJvm.fastKernelSampling(), NettyEpollScenarios.class.getName(), "close-wait");
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        assertThat(r.stdout).contains("server channel still open: true");
        Endpoints server = r.socket("closewait-server");
        RecordedEvent leak = r.single(EventNames.CLOSE_WAIT_LEAK, server);
        assertThat(leak.getDuration(EventFields.CLOSE_WAIT_TIME).toMillis()).isBetween(1000L, 2500L);
        assertThat(leak.getLong(EventFields.BYTES_READ)).isEqualTo(10);
        assertThat(r.events(EventNames.TCP_INFO, e -> server.matches(e) && "CLOSE_WAIT".equals(e.getString(EventFields.STATE)))).isNotEmpty();
        // Netty shut the input itself when the end of stream came (half-closure allowed): one Shutdown, not two
        List<RecordedEvent> shutdowns = r.events(EventNames.SHUTDOWN, server::matches);
        assertThat(shutdowns).hasSize(1);
        assertThat(shutdowns.get(0).getBoolean(EventFields.SHUTDOWN_INPUT)).isTrue();
        RecordedEvent close = r.single(EventNames.CLOSE, server);
        assertThat(close.getString(EventFields.INITIATOR)).isEqualTo("PEER");
        assertThat(close.getDuration(EventFields.CLOSE_WAIT_TIME).toMillis()).isBetween(2400L, 6000L);
        assertThat(r.single(EventNames.CLOSE, r.socket("closewait-client")).getString(EventFields.INITIATOR)).isEqualTo("LOCAL");
    }

    @Test
    void lateAttach_nettyClassesLoadedBefore_retransformedAndTraced() throws Exception {
        Files.createDirectories(AgentJvm.WORK);
        Path go = AgentJvm.WORK.resolve("go-netty-" + System.nanoTime());
        Path recording = Files.createTempFile(AgentJvm.WORK, "attach-netty", ".jfr");
        Files.delete(recording);
        Result r = AgentJvm.attachWhenReady(List.of("-cp", AgentJvm.TEST_CLASSES + File.pathSeparator + libs("socktrace.nettyLibs"),
                NettyEpollScenarios.class.getName(), "late"), go, recording, "recording=" + recording);
        assertScenarios(r);
        // the echo before the attach left nothing: its sockets were closed before the agent came
        Endpoints before = r.socket("warmup-client");
        assertThat(r.events(EventNames.CONNECT, before::matches)).isEmpty();
        assertThat(transport(r, "netty-epoll", "io.netty").getLong(EventFields.CONNECTIONS_TRACED)).isEqualTo(6);
    }

    private static int fillers(Result r) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("fillers connected (\\d+)").matcher(r.stdout);
        int fillers = 0;
        while (m.find()) {
            fillers += Integer.parseInt(m.group(1));
        }
        assertThat(fillers).as(r.stdout).isPositive();
        return fillers;
    }

    private static void assertScenarios(Result r) {
        assertScenarios(r, "recvAddress");
    }

    /** {@code readMethod}: Netty's method that reads a socket, {@code recvAddress} (4.1.80+) or {@code readAddress} (before). */
    private static void assertScenarios(Result r, String readMethod) {
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        assertThat(r.stdout).contains("echoed " + ECHOED + " of " + ECHOED);

        Endpoints client = r.socket("echo-client");
        Endpoints server = r.socket("echo-server");
        RecordedEvent connect = r.single(EventNames.CONNECT, client);
        assertThat(connect.getString(EventFields.OUTCOME)).isEqualTo("CONNECTED");
        assertThat(connect.getBoolean(EventFields.BLOCKING)).isFalse();
        assertThat(connect.getString(EventFields.LOCAL_ADDRESS)).isEqualTo(client.localAddress);
        RecordedEvent accept = r.single(EventNames.ACCEPT, server);
        assertThat(accept.getString(EventFields.OUTCOME)).isEqualTo("ACCEPTED");
        assertThat(accept.getString(EventFields.ADDRESS)).isEqualTo(client.localAddress);
        assertThat(accept.getString(EventFields.COMMUNITY_ID)).isEqualTo(connect.getString(EventFields.COMMUNITY_ID)).isNotEmpty();
        RecordedEvent clientClose = r.single(EventNames.CLOSE, client);
        assertThat(clientClose.getLong(EventFields.BYTES_WRITTEN)).isEqualTo(ECHOED);
        assertThat(clientClose.getLong(EventFields.BYTES_READ)).isEqualTo(ECHOED);
        assertThat(clientClose.getString(EventFields.INITIATOR)).isEqualTo("LOCAL");
        RecordedEvent serverClose = r.single(EventNames.CLOSE, server);
        assertThat(serverClose.getLong(EventFields.BYTES_READ)).isEqualTo(ECHOED);
        assertThat(serverClose.getLong(EventFields.BYTES_WRITTEN)).isEqualTo(ECHOED);
        assertThat(serverClose.getString(EventFields.INITIATOR)).isEqualTo("PEER");
        assertThat(serverClose.getString(EventFields.INITIATOR_EVIDENCE)).isEqualTo("END_OF_STREAM");
        // epoll loops read until nothing is left: those empty reads are no events
        assertThat(r.events(EventNames.RECEIVE, e -> "OK".equals(e.getString(EventFields.OUTCOME))
                && e.getLong(EventFields.BYTES_READ) == 0 && !e.getBoolean(EventFields.END_OF_STREAM))).isEmpty();

        Endpoints refused = r.target("refused");
        List<RecordedEvent> refusals = r.events(EventNames.CONNECT, e -> e.getInt(EventFields.PORT) == refused.remotePort);
        assertThat(refusals).hasSize(1);
        assertThat(refusals.get(0).getString(EventFields.OUTCOME)).isEqualTo("REFUSED");
        assertThat(refusals.get(0).getString(EventFields.EXCEPTION_MESSAGE)).contains("Connection refused");
        assertThat(r.stdout).contains("refused: ").contains("Connection refused");

        // Netty's own connect timeout, on epoll and on Netty's NIO transport: its task closes the
        // pending connect, recorded TIMED_OUT with Netty's exception
        for (String name : List.of("timeout", "nio-timeout")) {
            Endpoints timeout = r.target(name);
            // "connection timed out after 300 ms: /127.0.0.1:…" (4.1.68: "connection timed out: /127.0.0.1:…")
            assertThat(r.stdout).contains(name + ": io.netty.channel.ConnectTimeoutException: connection timed out");
            List<RecordedEvent> timedOut = r.events(EventNames.CONNECT, e -> e.getInt(EventFields.PORT) == timeout.remotePort
                    && !e.getBoolean(EventFields.BLOCKING));
            assertThat(timedOut).as(name).hasSize(1);
            assertThat(timedOut.get(0).getString(EventFields.OUTCOME)).isEqualTo("TIMED_OUT");
            assertThat(timedOut.get(0).getString(EventFields.EXCEPTION_CLASS)).isEqualTo("io.netty.channel.ConnectTimeoutException");
            assertThat(timedOut.get(0).getString(EventFields.EXCEPTION_MESSAGE)).startsWith("connection timed out")
                    .endsWith("/127.0.0.1:" + timeout.remotePort);
            assertThat(timedOut.get(0).getDuration().toMillis()).isBetween(250L, 3000L);
        }

        // a connected UDP socket of the same transport connects, writes and reads too: no TCP events.
        // Matched by its 4-tuple both ways: its port numbers alone may also be a TCP socket's (other port space)
        Endpoints udp = r.target("udp");
        assertThat(r.stdout).contains("udp: datagram received");
        java.util.regex.Matcher udpClient = java.util.regex.Pattern.compile("udp client port (\\d+)").matcher(r.stdout);
        assertThat(udpClient.find()).as(r.stdout).isTrue();
        int udpClientPort = Integer.parseInt(udpClient.group(1));
        // (the server's socket: its local port, with no peer or the client as peer)
        assertThat(r.events.stream().filter(e -> e.getEventType().getName().startsWith(EventNames.PREFIX) && e.hasField(EventFields.LOCAL_PORT)
                && (e.getInt(EventFields.LOCAL_PORT) == udpClientPort && e.hasField(EventFields.PORT) && e.getInt(EventFields.PORT) == udp.remotePort
                || e.getInt(EventFields.LOCAL_PORT) == udp.remotePort
                        && (!e.hasField(EventFields.PORT) || e.getInt(EventFields.PORT) == 0 || e.getInt(EventFields.PORT) == udpClientPort)))).isEmpty();

        // writes to a peer that does not read: one Send for the whole stall, from the first short write to the close
        Endpoints slow = r.socket("slow-client");
        assertThat(r.stdout).contains("slow: writable false");
        RecordedEvent stall = r.single(EventNames.SEND, slow);
        assertThat(stall.getString(EventFields.OUTCOME)).isEqualTo("PARTIAL");
        assertThat(stall.getDuration().toMillis()).isBetween(900L, 5000L);
        assertThat(stall.getLong(EventFields.BYTES_WRITTEN)).isPositive().isLessThan(stall.getLong(EventFields.BYTES_REQUESTED));
        assertThat(stall.getLong(EventFields.SHORT_WRITES)).isPositive();
        // the close ended the stall: its stack is the close's
        assertThat(stall.getStackTrace().getFrames()).anyMatch(f -> f.getMethod().getName().equals("close")
                && f.getMethod().getType().getName().equals("io.netty.channel.unix.FileDescriptor"));
        // writes accepted in full before the first short one are not part of the stall; all of it is less than was queued
        assertThat(r.single(EventNames.CLOSE, slow).getLong(EventFields.BYTES_WRITTEN))
                .isGreaterThanOrEqualTo(stall.getLong(EventFields.BYTES_WRITTEN)).isLessThan(8L << 20);

        Endpoints resetClient = r.socket("reset-client");
        Endpoints resetServer = r.socket("reset-server");
        assertThat(r.stdout).contains("reset: ").contains("Connection reset by peer");
        RecordedEvent reset = r.single(EventNames.RESET, resetClient);
        assertThat(reset.getString(EventFields.KIND)).isEqualTo("CONNECTION_RESET");
        assertThat(reset.getString(EventFields.OPERATION)).isEqualTo("READ");
        assertThat(reset.getLong(EventFields.BYTES_WRITTEN)).isEqualTo(5);
        assertThat(reset.getString(EventFields.EXCEPTION_MESSAGE)).startsWith(readMethod + "(..) failed").endsWith("Connection reset by peer");
        RecordedEvent failedRead = r.single(EventNames.RECEIVE, resetClient);
        assertThat(failedRead.getString(EventFields.OUTCOME)).isEqualTo("RESET");
        assertThat(failedRead.getStackTrace().getFrames().get(0).getMethod().getName()).isEqualTo(readMethod);
        assertThat(r.single(EventNames.CLOSE, resetClient).getString(EventFields.INITIATOR)).isEqualTo("AFTER_ERROR");
        RecordedEvent abort = r.single(EventNames.CLOSE, resetServer);
        assertThat(abort.getString(EventFields.INITIATOR)).isEqualTo("ABORT");
        assertThat(abort.getLong(EventFields.BYTES_READ)).isEqualTo(5);
    }

    private static RecordedEvent transport(Result r, String transport, String library) {
        List<RecordedEvent> found = r.events(EventNames.TRANSPORT,
                e -> transport.equals(e.getString(EventFields.TRANSPORT)) && library.equals(e.getString(EventFields.LIBRARY)));
        assertThat(found).as("Transport events %s %s in %s", transport, library, r.events(EventNames.TRANSPORT)).isNotEmpty();
        return found.get(found.size() - 1); // the last chunk's: the counts so far
    }

    private static String libs(String property) throws Exception {
        try (Stream<Path> jars = Files.list(Path.of(System.getProperty(property)))) {
            return jars.map(Path::toString).sorted().collect(Collectors.joining(File.pathSeparator));
        }
    }

    private static Result run(String classpath, String options, String... command) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("-cp", AgentJvm.TEST_CLASSES + File.pathSeparator + classpath));
        cmd.addAll(List.of(command));
        return AgentJvm.run(options, List.of(), cmd);
    }
}
