package io.socktrace.realstacks;

import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.testsupport.AgentOutput;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * Runs a program of these tests in a fresh JVM on the module's test class path, with the real
 * agent jar (and a recording) or without it, and returns what it printed and recorded.
 */
final class StackJvm {

    static final Path AGENT_JAR = Path.of(System.getProperty("socktrace.agentJar", "../agent/target/socktrace-agent.jar"));
    static final Path WORK = Path.of(System.getProperty("socktrace.workDir", "target/it-work"));
    static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    /** What one run printed and recorded. */
    static final class Run {
        final int exitCode;
        final String stdout;
        final String stderr;
        final List<RecordedEvent> events;

        Run(int exitCode, String stdout, String stderr, List<RecordedEvent> events) {
            this.exitCode = exitCode;
            this.stdout = stdout;
            this.stderr = stderr;
            this.events = events;
        }

        /** The lines that say what the application got: the same whatever watches it. */
        List<String> results() {
            return stdout.lines().filter(l -> l.startsWith("result ")).collect(Collectors.toList());
        }

        List<RecordedEvent> events(String name) {
            return events.stream().filter(e -> e.getEventType().getName().equals(name)).collect(Collectors.toList());
        }

        /** The numbers after {@code prefix} on the lines that start with it. */
        Set<Integer> ports(Pattern line) {
            Set<Integer> ports = new TreeSet<>();
            Matcher m = line.matcher(stdout);
            while (m.find()) {
                ports.add(Integer.parseInt(m.group(1)));
            }
            return ports;
        }

        int port(Pattern line) {
            Matcher m = line.matcher(stdout);
            assertThat(m.find()).as("%s in\n%s", line, stdout).isTrue();
            return Integer.parseInt(m.group(1));
        }
    }

    private StackJvm() {
    }

    /**
     * Runs {@code main} once without the agent and once under it, and checks what every real-stack
     * test asks of the agent: both runs end well, the application got the same results, and the
     * agent printed nothing. Returns the traced run.
     */
    static Run plainAndTraced(Class<?> main, String... args) throws Exception {
        Run plain = run(false, main, args);
        Run traced = run(true, main, args);
        assertThat(plain.exitCode).as(plain.stdout + plain.stderr).isZero();
        assertThat(traced.exitCode).as(traced.stdout + traced.stderr).isZero();
        assertThat(traced.results()).as("what the application got, with the agent and without").isEqualTo(plain.results());
        assertThat(traced.stderr).doesNotContain("[socktrace]");
        assertThat(traced.stdout).doesNotContain("socktrace");
        return traced;
    }

    /** Runs {@code main} with {@code args}: under the agent with default settings when {@code agent}, else plain. */
    static Run run(boolean agent, Class<?> main, String... args) throws Exception {
        Files.createDirectories(WORK);
        Path recording = Files.createTempFile(WORK, "rec", ".jfr");
        Files.delete(recording);
        String classpath = System.getProperty("socktrace.testClasses", "target/test-classes") + File.pathSeparator
                + Files.readString(Path.of(System.getProperty("socktrace.testClasspath", "target/test-classpath.txt"))).trim();
        List<String> cmd = new ArrayList<>(List.of(JAVA));
        if (agent) {
            cmd.add("-javaagent:" + AGENT_JAR + "=recording=" + recording);
        }
        cmd.addAll(List.of("-cp", classpath, main.getName()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(WORK, "out", ".txt");
        Path err = Files.createTempFile(WORK, "err", ".txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                throw new AssertionError("timed out: " + cmd);
            }
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        String stdout = Files.readString(out, StandardCharsets.UTF_8);
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        AgentOutput.assertNoInternalErrors(cmd, stderr);
        List<RecordedEvent> events = Files.exists(recording) && Files.size(recording) > 0 ? RecordingFile.readAllEvents(recording) : List.of();
        return new Run(p.exitValue(), stdout, stderr, events);
    }
}
