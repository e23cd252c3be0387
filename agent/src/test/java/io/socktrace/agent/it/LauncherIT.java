package io.socktrace.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.agent.it.AgentJvm.Result;
import io.socktrace.agent.it.programs.Hello;
import io.socktrace.testsupport.Requirement;
import io.socktrace.testsupport.Requirements;
import io.socktrace.testsupport.Stopping;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's front door: {@code ./socktrace run}, {@code summary} and {@code demo} on the built jars. */
class LauncherIT {

    private static final Path LAUNCHER = Path.of(System.getProperty("socktrace.launcher", "../socktrace"));

    @Test
    void run_thenSummary_showsTheRefusedConnect() throws Exception {
        Files.createDirectories(AgentJvm.WORK);
        Path recording = AgentJvm.WORK.resolve("launcher-" + System.nanoTime() + ".jfr");
        Result run = AgentJvm.exec(List.of(LAUNCHER.toString(), "run", "--options", "recording=" + recording, "--",
                AgentJvm.JAVA, "-cp", AgentJvm.TEST_CLASSES.toString(), Hello.class.getName()), recording);
        assertThat(run.exitCode).as(run.stderr).isZero();
        assertThat(run.stdout).contains("hello from the application");
        assertThat(run.events("socktrace.Connect")).extracting(e -> e.getString("outcome")).containsExactly("REFUSED");

        Result summary = AgentJvm.exec(List.of(LAUNCHER.toString(), "summary", recording.toString()), null);
        assertThat(summary.exitCode).as(summary.stderr).isZero();
        assertThat(summary.stdout).containsPattern("Connect +REFUSED .*\"Connection refused\"  at Hello.main:\\d+");
    }

    @Test
    void demo_printsTheScenarioAndWhatWasRecorded() throws Exception {
        Path out = AgentJvm.WORK.resolve("launcher-demo-" + System.nanoTime());
        ProcessBuilder pb = new ProcessBuilder(LAUNCHER.toString(), "demo", "read-timeout");
        pb.environment().put("SOCKTRACE_OUT", out.toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Path log = Files.createTempFile(AgentJvm.WORK, "demo", ".txt");
        String text;
        // the launcher starts the demo's JVMs and, as root, tcpdump: Stopping ends them all if it hangs
        try (Stopping launcher = Stopping.of(pb.redirectErrorStream(true).redirectOutput(log.toFile()).start())) {
            // generous: in a fresh clone the demo first builds the correlator jar (a nested Maven build of the
            // tree, ~1-3 min on a busy 2-core machine); killed half way, that build would leave this module's
            // test classes half recompiled for the tests after this one
            assertThat(launcher.process().waitFor(480, java.util.concurrent.TimeUnit.SECONDS)).as("demo finished").isTrue();
            text = Files.readString(log);
            assertThat(launcher.process().exitValue()).as(text).isZero();
        }
        AgentJvm.assertNoInternalErrors(pb.command(), text); // the demo's JVMs ran the agent
        assertThat(text).contains("== read-timeout:", "what socktrace recorded")
                .containsPattern("Receive +TIMED_OUT +took 5\\d\\d\\.\\d+ ms .*timeout 500 ms +\"Read timed out\"");
        assertThat(out.resolve("demo/read-timeout.jfr")).exists();
        assertThat(text).doesNotContain("Sharing is only supported");
        // as root with tcpdump (CI) the demo captured loopback too, and joined the recording to it
        Requirement root = Requirement.root();
        Requirement tcpdump = Requirement.command("tcpdump", "tcpdump");
        if (!root.met() || !tcpdump.met()) {
            assertThat(text).contains("(not root, or no tcpdump: no packet capture, so no correlated report)");
            Requirements.require(root, tcpdump); // the capture half did not run: say so
        }
        assertThat(text).contains("the recordings joined to the packet capture", "READ_TIMEOUT: read timed out after 5");
        assertThat(Files.readString(out.resolve("demo/timeline.html"))).contains("READ_TIMEOUT").doesNotContain("http://");
        assertThat(Files.size(out.resolve("demo/annotated.pcapng"))).isGreaterThan(200);
        assertThat(Files.readString(out.resolve("demo/report.json"))).contains("\"code\": \"READ_TIMEOUT\"");
    }

    @Test
    void readme_holdsTheCurrentEventReference() throws Exception {
        Result events = AgentJvm.exec(List.of(LAUNCHER.toString(), "events"), null);
        assertThat(events.exitCode).as(events.stderr).isZero();
        assertThat(events.stdout).contains("`socktrace.Close`", "`closeWaitTime`", "`communityId`");
        String readme = Files.readString(LAUNCHER.resolveSibling("README.md"));
        String generated = readme.substring(readme.indexOf("-->", readme.indexOf("<!-- events:begin")) + 4,
                readme.indexOf("<!-- events:end -->"));
        assertThat(generated).as("README section; regenerate with ./socktrace events").isEqualTo(events.stdout);
    }

    @Test
    void badCommand_isOneLineAndExitCode2() throws Exception {
        Result r = AgentJvm.exec(List.of(LAUNCHER.toString(), "frobnicate"), null);
        assertThat(r.exitCode).isEqualTo(2);
        assertThat(r.stderr.strip()).isEqualTo("socktrace: unknown command 'frobnicate' (valid: demo, run, bench, summary, settings, attach, watch, events, correlate, capture)");
    }
}
