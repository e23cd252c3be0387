package io.socktrace.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.testsupport.AgentOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * Starts a fresh JVM (the same java as the test's) with the real agent jar and reads back the
 * recording it wrote. Integration tests assert on what this returns, never on in-process state.
 */
final class AgentJvm {

    static final Path AGENT_JAR = Path.of(System.getProperty("socktrace.agentJar", "target/socktrace-agent.jar"));
    static final Path DEMO_JAR = Path.of(System.getProperty("socktrace.demoJar", "../demo-app/target/socktrace-demo.jar"));
    static final Path TEST_CLASSES = Path.of(System.getProperty("socktrace.testClasses", "target/test-classes"));
    static final Path WORK = Path.of(System.getProperty("socktrace.workDir", "target/it-work"));
    static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    static final Pattern SOCKET_LINE = Pattern.compile("^   socket (\\S+) (\\S+):(\\d+) -> (\\S+):(\\d+)$", Pattern.MULTILINE);
    static final Pattern TARGET_LINE = Pattern.compile("^   target (\\S+) (\\S+):(\\d+)$", Pattern.MULTILINE);
    /**
     * What {@code AgentLog.error} prints for an exception the agent caught inside itself (advice,
     * the runtime, weaving, the sampler): never expected, so every run through this class fails on
     * one, even where the test's own assertions would pass. Warnings about the user's setup (bad
     * options, no {@code jdk.jfr}) are plain {@code [socktrace]} lines without this prefix. The
     * first ten errors of a JVM are always printed unless {@code log=off}, which no test uses.
     */
    private AgentJvm() {
    }

    /** What one run printed and recorded. */
    static final class Result {
        final int exitCode;
        final String stdout;
        final String stderr;
        final List<RecordedEvent> events;
        /** The command line that ran. */
        List<String> command = List.of();
        /** The recording the events were read from (null when the run had none). */
        Path recording;

        Result(int exitCode, String stdout, String stderr, List<RecordedEvent> events) {
            this.exitCode = exitCode;
            this.stdout = stdout;
            this.stderr = stderr;
            this.events = events;
        }

        List<RecordedEvent> events(String name) {
            return events.stream().filter(e -> e.getEventType().getName().equals(name)).collect(Collectors.toList());
        }

        List<RecordedEvent> events(String name, Predicate<RecordedEvent> filter) {
            return events(name).stream().filter(filter).collect(Collectors.toList());
        }

        /** Events of one connection, by the id the connection's Connect or Accept carried. */
        List<RecordedEvent> ofConnection(long id) {
            return events.stream()
                    .filter(e -> e.getEventType().getName().startsWith("socktrace.") && e.hasField("connectionId")
                            && e.getLong("connectionId") == id)
                    .collect(Collectors.toList());
        }

        private Map<Long, int[]> portsById;

        /**
         * Local and remote port of each connection, from its events that carry them: a Receive or
         * Send may carry only its {@code connectionId}, as a reader of the recording joins them.
         */
        Map<Long, int[]> portsById() {
            if (portsById == null) {
                portsById = new HashMap<>();
                for (RecordedEvent e : events) {
                    if (e.hasField("connectionId") && e.hasField("localPort") && e.getInt("localPort") > 0 && e.getInt("port") > 0) {
                        portsById.putIfAbsent(e.getLong("connectionId"), new int[] {e.getInt("localPort"), e.getInt("port")});
                    }
                }
            }
            return portsById;
        }

        /** The endpoints a demo scenario or test program printed for its role. */
        Endpoints socket(String role) {
            Matcher m = SOCKET_LINE.matcher(stdout);
            while (m.find()) {
                if (m.group(1).equals(role)) {
                    return new Endpoints(m.group(2), Integer.parseInt(m.group(3)), m.group(4), Integer.parseInt(m.group(5)), portsById());
                }
            }
            throw new AssertionError("no socket line for role " + role + " in:\n" + stdout);
        }

        Endpoints target(String role) {
            Matcher m = TARGET_LINE.matcher(stdout);
            while (m.find()) {
                if (m.group(1).equals(role)) {
                    return new Endpoints(null, 0, m.group(2), Integer.parseInt(m.group(3)), portsById());
                }
            }
            throw new AssertionError("no target line for role " + role + " in:\n" + stdout);
        }

        /** The one event of this type whose local and remote ports are these. */
        RecordedEvent single(String name, Endpoints socket) {
            List<RecordedEvent> found = events(name, socket::matches);
            assertThat(found).as("%s events of %s in\n%s", name, socket, stdout).hasSize(1);
            return found.get(0);
        }

        /** The connection id the recording gave this socket, from its events. */
        long connectionId(Endpoints socket) {
            List<Long> ids = events.stream()
                    .filter(e -> e.hasField("connectionId") && socket.matches(e))
                    .map(e -> e.getLong("connectionId")).distinct().collect(Collectors.toList());
            assertThat(ids).as("connection ids of %s", socket).hasSize(1);
            return ids.get(0);
        }
    }

    /** Local and remote ends of a socket, as the application saw them. */
    static final class Endpoints {
        final String localAddress;
        final int localPort;
        final String remoteAddress;
        final int remotePort;

        /** The recording's ports by connection id, for the events that carry only the id. */
        private final Map<Long, int[]> portsById;

        Endpoints(String localAddress, int localPort, String remoteAddress, int remotePort, Map<Long, int[]> portsById) {
            this.localAddress = localAddress;
            this.localPort = localPort;
            this.remoteAddress = remoteAddress;
            this.remotePort = remotePort;
            this.portsById = portsById;
        }

        boolean matches(RecordedEvent e) {
            if (!e.hasField("localPort")) {
                return false;
            }
            int local = e.getInt("localPort");
            int remote = e.getInt("port");
            if (local == 0 && remote == 0 && e.hasField("connectionId")) {
                int[] ports = portsById.get(e.getLong("connectionId"));
                if (ports != null) {
                    local = ports[0];
                    remote = ports[1];
                }
            }
            return local == localPort && remote == remotePort;
        }

        @Override
        public String toString() {
            return localAddress + ":" + localPort + " -> " + remoteAddress + ":" + remotePort;
        }
    }

    /** Runs a demo-app scenario under the agent with the given extra agent options. */
    static Result demo(String scenario, String agentOptions) throws Exception {
        return run(agentOptions, List.of(), List.of("-jar", DEMO_JAR.toString(), scenario));
    }

    /** Runs a main class from the test classes under the agent. */
    static Result program(Class<?> main, String agentOptions, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("-cp", TEST_CLASSES.toString(), main.getName()));
        command.addAll(List.of(args));
        return run(agentOptions, List.of(), command);
    }

    /**
     * Runs {@code java -javaagent:agent.jar=recording=<file>,<agentOptions> <jvmArgs> <command>}; a
     * null {@code agentOptions} runs without the agent option string's recording (jvmArgs decide).
     */
    static Result run(String agentOptions, List<String> jvmArgs, List<String> command) throws Exception {
        Files.createDirectories(WORK);
        Path recording = Files.createTempFile(WORK, "rec", ".jfr");
        Files.delete(recording);
        List<String> cmd = new ArrayList<>();
        cmd.add(JAVA);
        String options = agentOptions == null ? "" : "=recording=" + recording + (agentOptions.isEmpty() ? "" : "," + agentOptions);
        cmd.add("-javaagent:" + AGENT_JAR + options);
        cmd.addAll(jvmArgs.stream().map(a -> a.replace("{recording}", recording.toString())).collect(Collectors.toList()));
        cmd.addAll(command);
        return exec(cmd, recording);
    }

    static Result exec(List<String> cmd, Path recording) throws IOException, InterruptedException {
        return exec(cmd, recording, java.util.Map.of());
    }

    /** {@link #exec(List, Path)} with {@code environment} added to the child's environment. */
    static Result exec(List<String> cmd, Path recording, java.util.Map<String, String> environment)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile(WORK, "out", ".txt");
        Path err = Files.createTempFile(WORK, "err", ".txt");
        ProcessBuilder builder = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().putAll(environment);
        Process p = builder.start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
        String stdout = Files.readString(out, StandardCharsets.UTF_8);
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        assertNoInternalErrors(cmd, stderr);
        // an empty recording (the JVM died before writing it) reads as no events: the caller's
        // assertion on the exit code then says what happened, with the output
        List<RecordedEvent> events = recording != null && Files.exists(recording) && Files.size(recording) > 0
                ? RecordingFile.readAllEvents(recording) : List.of();
        Result result = new Result(p.exitValue(), stdout, stderr, events);
        result.command = cmd;
        result.recording = recording;
        return result;
    }

    /**
     * Runs a program that prints "ready" and then waits for the file {@code go} (the programs
     * LateAttach and MidFlight), attaches the agent to it once per entry of {@code attachOptions}
     * (each attach must succeed), creates {@code go}, and returns the program's exit code and
     * output (stdout and stderr together) with the events of {@code recording}. The program is
     * stopped whatever happens.
     */
    static Result attachWhenReady(List<String> programArgs, Path go, Path recording, String... attachOptions) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(JAVA));
        if (Runtime.version().feature() >= 21) {
            cmd.add("-XX:+EnableDynamicAgentLoading"); // else JEP 451 prints a warning
        }
        cmd.addAll(programArgs);
        cmd.add(go.toString());
        Process target = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        StringBuilder output = new StringBuilder();
        try (java.io.BufferedReader lines = new java.io.BufferedReader(
                new java.io.InputStreamReader(target.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                output.append(line).append('\n');
                if (line.equals("ready")) {
                    break;
                }
            }
            if (line == null) {
                throw new AssertionError("the program ended before saying 'ready':\n" + output);
            }
            for (String options : attachOptions) {
                Result attach = exec(List.of(JAVA, "-jar", AGENT_JAR.toString(), "attach", String.valueOf(target.pid()), options), null);
                assertThat(attach.exitCode).as(attach.stdout + attach.stderr).isZero();
                assertThat(attach.stdout).contains("agent loaded into " + target.pid());
            }
            Files.createFile(go);
            while ((line = lines.readLine()) != null) {
                output.append(line).append('\n');
            }
            if (!target.waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError("the program did not end:\n" + output);
            }
        } finally {
            if (target.isAlive()) {
                target.destroyForcibly();
                target.waitFor(10, TimeUnit.SECONDS);
            }
        }
        assertNoInternalErrors(cmd, output.toString());
        List<RecordedEvent> events = Files.exists(recording) && Files.size(recording) > 0 ? RecordingFile.readAllEvents(recording) : List.of();
        Result result = new Result(target.exitValue(), output.toString(), "", events);
        result.command = cmd;
        return result;
    }

    /**
     * Agent options for tests of the kernel's view: socktrace.jfc with socktrace's periodic events
     * every 250 ms instead of 10 s, every connection recorded, closeWaitTimeout=1s, opening stacks.
     */
    static String fastKernelSampling() throws Exception {
        Result settings = exec(List.of(JAVA, "-jar", AGENT_JAR.toString(), "settings"), null);
        String jfc = settings.stdout;
        for (String event : List.of("socktrace.TcpInfo", "socktrace.ListenQueue", "socktrace.NetworkStatistics")) {
            int start = jfc.indexOf("<event name=\"" + event + "\">");
            int end = jfc.indexOf("</event>", start);
            jfc = jfc.substring(0, start) + jfc.substring(start, end).replace(">10 s<", ">250 ms<") + jfc.substring(end);
        }
        // an investigation's settings: every connection recorded, so the kernel view is read every period
        // whatever a read costs (with the production defaults a costly read makes periods be skipped, and the
        // churn tests before this one leave tens of thousands of TIME_WAIT rows on the host)
        assertThat(jfc).contains("<setting name=\"connections\">100/s</setting>");
        jfc = jfc.replace("<setting name=\"connections\">100/s</setting>", "<setting name=\"connections\">off</setting>");
        Files.createDirectories(WORK);
        Path file = WORK.resolve("fast-sampling.jfc");
        Files.writeString(file, jfc);
        return "settings=" + file + ",closeWaitTimeout=1s,openingStacks=true";
    }

    /** Fails when {@code output} (a child JVM's stderr) has the agent's internal-error line. */
    static void assertNoInternalErrors(List<String> cmd, String output) {
        AgentOutput.assertNoInternalErrors(cmd, output);
    }

    static Duration ms(long millis) {
        return Duration.ofMillis(millis);
    }
}
