package io.socktrace.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A failure that needs the network changed under the application: a peer whose packets stop
 * ({@code peer-vanished}) or a port range that runs out ({@code port-exhaustion}). The scenario
 * creates a network namespace, so that its iptables rule and sysctls touch nothing outside it, and
 * runs {@link NetnsClient} there in a child JVM with this JVM's agent and recording options (its
 * recording gets the suffix {@value #RECORDING_SUFFIX}). It needs root, {@code ip} and
 * {@code iptables}; without them it says so and is skipped.
 */
final class NetnsScenario implements Scenario {

    static final String RECORDING_SUFFIX = "-netns";
    private static final long SETUP_TIMEOUT_MS = 10_000;

    private final String name;
    private final String mode;
    private final String description;
    private final String expectation;
    private final List<List<String>> sysctls;

    private NetnsScenario(String name, String mode, String description, String expectation, List<List<String>> sysctls) {
        this.name = name;
        this.mode = mode;
        this.description = description;
        this.expectation = expectation;
        this.sysctls = sysctls;
    }

    static NetnsScenario peerVanished() {
        return new NetnsScenario("peer-vanished", "vanish",
                "the server's host vanishes mid-connection (iptables drops its packets): the kernel gives up",
                "(in peer-vanished-netns.jfr) reader: Receive PEER_VANISHED 'Connection timed out' after keepalive probes; writer: "
                        + "Send or Receive PEER_VANISHED after retransmissions; a Reset PEER_VANISHED each; Close AFTER_ERROR",
                List.of(List.of("net.ipv4.tcp_retries2=3")));
    }

    static NetnsScenario portExhaustion() {
        return new NetnsScenario("port-exhaustion", "ports",
                "a client that closes first fills 10 local ports with TIME_WAIT: the next connect fails",
                "(in port-exhaustion-netns.jfr) 10 Connects CONNECTED, Close LOCAL; then Connect NO_LOCAL_PORT "
                        + "'Cannot assign requested address' (counted in EndpointStatistics' noLocalPort)",
                List.of(List.of("net.ipv4.ip_local_port_range=40000 40009"), List.of("net.ipv4.tcp_tw_reuse=0")));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public String expectation() {
        return expectation;
    }

    /** Why this host cannot run the scenario, or empty. */
    static Optional<String> unsupported() {
        if (!isRoot()) {
            return Optional.of("needs root (a network namespace with its own iptables rules and sysctls)");
        }
        for (String tool : List.of("ip", "iptables")) {
            if (ChildJvm.findOnPath(tool).isEmpty()) {
                return Optional.of(tool + " not found (apt-get install " + (tool.equals("ip") ? "iproute2" : "iptables") + ")");
            }
        }
        return Optional.empty();
    }

    private static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[1].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    @Override
    public boolean run(PrintStream out) throws Exception {
        Report report = new Report(out);
        Optional<String> unsupported = unsupported();
        if (unsupported.isPresent()) {
            report.result("skipped", unsupported.get());
            return true;
        }
        String ip = ChildJvm.findOnPath("ip").orElseThrow().toString();
        String iptables = ChildJvm.findOnPath("iptables").orElseThrow().toString();
        String namespace = "socktrace-" + ProcessHandle.current().pid() + "-" + mode;
        if (!exec(report, ip, "netns", "add", namespace)) {
            return false;
        }
        try {
            if (!exec(report, ip, "netns", "exec", namespace, ip, "link", "set", "lo", "up")) {
                return false;
            }
            for (List<String> sysctl : sysctls) {
                List<String> command = new ArrayList<>(List.of(ip, "netns", "exec", namespace, "sysctl", "-q", "-w"));
                command.addAll(sysctl);
                if (!exec(report, command.toArray(new String[0]))) {
                    return false;
                }
            }
            report.result("namespace", namespace + " (its own loopback; a capture on this host's lo does not see it)");
            List<String> command = new ArrayList<>(List.of(ip, "netns", "exec", namespace));
            command.addAll(ChildJvm.command(NetnsClient.class, RECORDING_SUFFIX, List.of(mode, iptables)));
            try (NamespaceCapture capture = NamespaceCapture.start(ip, namespace, report)) {
                return runChild(command, report);
            }
        } finally {
            exec(null, ip, "netns", "del", namespace);
        }
    }

    private boolean runChild(List<String> command, Report report) throws Exception {
        List<String> lines = new ArrayList<>();
        try (ChildProcess child = ChildProcess.start(name, command, NetnsClient.PREFIX)) {
            long deadline = System.currentTimeMillis() + NetnsClient.LIMIT_MS + SETUP_TIMEOUT_MS;
            while (true) {
                Optional<String> line = child.nextLine(Math.max(1, deadline - System.currentTimeMillis()));
                if (line.isEmpty()) {
                    report.unexpected("the namespace's client did not finish");
                    return false;
                }
                if (line.get().equals(NetnsClient.DONE)) {
                    break;
                }
                lines.add(line.get());
                report.result(mode.equals("vanish") ? "client" : "clients", line.get());
            }
            child.closeInput();
            child.awaitExit(SETUP_TIMEOUT_MS);
        }
        String all = String.join("\n", lines);
        if (mode.equals("vanish")) {
            if (!all.contains("reader: read failed") || !all.contains("Connection timed out")) {
                report.unexpected("the reader should have failed with \"Connection timed out\"");
            }
            if (!all.contains("writer: write failed")) {
                report.unexpected("the writer should have failed when the kernel gave up its retransmissions");
            }
        } else if (!all.contains("Cannot assign requested address")) {
            report.unexpected("a connect should have failed with \"Cannot assign requested address\"");
        }
        return report.asExpected();
    }

    /**
     * tcpdump on the namespace's loopback while its client runs, when this JVM records under the
     * agent and tcpdump is here: the capture goes next to the namespace's recording
     * ({@code x-netns.pcap} beside {@code x-netns.jfr}), so that the two can be correlated as the
     * demo does for the host's loopback. Nothing otherwise.
     */
    private static final class NamespaceCapture implements AutoCloseable {
        private final Process tcpdump;

        private NamespaceCapture(Process tcpdump) {
            this.tcpdump = tcpdump;
        }

        static NamespaceCapture start(String ip, String namespace, Report report) throws IOException, InterruptedException {
            Optional<Path> pcap = ChildJvm.besideRecording(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments(),
                    RECORDING_SUFFIX, ".pcap");
            Optional<Path> tcpdump = ChildJvm.findOnPath("tcpdump");
            if (pcap.isEmpty() || tcpdump.isEmpty()) {
                return new NamespaceCapture(null);
            }
            Files.deleteIfExists(pcap.get());
            Path log = Files.createTempFile("socktrace-netns-tcpdump", ".log");
            Process p = new ProcessBuilder(ip, "netns", "exec", namespace, tcpdump.get().toString(), "-i", "lo", "-s", "128",
                    "--immediate-mode", "-U", "-w", pcap.get().toString(), "tcp")
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            for (int i = 0; i < 50 && p.isAlive() && !Files.readString(log).contains("listening on"); i++) {
                Thread.sleep(100);
            }
            Files.deleteIfExists(log);
            report.result("capture", pcap.get() + " (the namespace's loopback)");
            return new NamespaceCapture(p);
        }

        @Override
        public void close() throws InterruptedException {
            if (tcpdump == null) {
                return;
            }
            Thread.sleep(300); // the last packets reach the file
            tcpdump.destroy(); // SIGTERM: tcpdump writes what it has and exits
            if (!tcpdump.waitFor(5, TimeUnit.SECONDS)) {
                tcpdump.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    /** Runs a setup command; a failure is reported (when a report is given) and returns false. */
    private static boolean exec(Report report, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        boolean ended = p.waitFor(SETUP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
        if (!ended) {
            p.destroyForcibly();
        }
        if (ended && p.exitValue() == 0) {
            return true;
        }
        if (report != null) {
            report.unexpected(String.join(" ", command) + " failed: " + (ended ? output : "no answer within " + SETUP_TIMEOUT_MS + " ms"));
        }
        return false;
    }
}
