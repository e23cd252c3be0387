package io.socktrace.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.agent.it.AgentJvm.Result;
import io.socktrace.agent.it.programs.ForeignByteBuddy;
import io.socktrace.agent.it.programs.Hello;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.Test;

/**
 * Whatever the agent is given, the application runs: bad options and JVMs without JFR give one
 * clear line on stderr. An application's own Byte Buddy is not disturbed by the agent's.
 */
class AgentOptionsIT {

    @Test
    void unknownOption_namesItAndTheValidOnes_andTheApplicationRuns() throws Exception {
        Result r = AgentJvm.run("bogus=1", List.of(), List.of("-cp", AgentJvm.TEST_CLASSES.toString(), Hello.class.getName()));
        assertThat(r.exitCode).isZero();
        assertThat(r.stdout).contains("hello from the application", "connect: Connection refused");
        // word for word README's example (which ReadmeAgentOptionsTest checks against every option)
        String readme = Files.readString(Path.of("..", "README.md"));
        Matcher example = Pattern.compile("`(\\[socktrace\\] unknown option 'bogus' [^`]*)`").matcher(readme);
        assertThat(example.find()).as("README shows the unknown-option line").isTrue();
        assertThat(r.stderr.lines()).contains(example.group(1));
        assertThat(r.stderr.lines().filter(l -> l.contains("socktrace"))).hasSize(1);
        assertThat(r.events).isEmpty();
    }

    @Test
    void badValue_namesTheOptionAndWhatIsExpected() throws Exception {
        Result r = AgentJvm.run("receiveThreshold=soon", List.of(), List.of("-cp", AgentJvm.TEST_CLASSES.toString(), Hello.class.getName()));
        assertThat(r.exitCode).isZero();
        assertThat(r.stdout).contains("hello from the application");
        assertThat(r.stderr).contains("bad value 'soon' for option receiveThreshold", "duration");
        Result log = AgentJvm.run("log=verbose", List.of(), List.of("-cp", AgentJvm.TEST_CLASSES.toString(), Hello.class.getName()));
        assertThat(log.stderr).contains("bad value 'verbose' for option log", "off, error, info or debug");
        assertThat(log.stdout).contains("hello from the application");
    }

    @Test
    void jvmWithoutJfr_runsTheApplicationUntraced() throws Exception {
        Result r = AgentJvm.run(null, List.of("--limit-modules", "java.base"), // java.instrument comes with -javaagent
                List.of("-cp", AgentJvm.TEST_CLASSES.toString(), Hello.class.getName()));
        assertThat(r.exitCode).as(r.stderr).isZero();
        assertThat(r.stdout).contains("hello from the application", "connect: Connection refused");
        assertThat(r.stderr).contains("no jdk.jfr module").contains("untraced");
    }

    @Test
    void logInfo_saysWhatStarted() throws Exception {
        Result r = AgentJvm.run("log=info,receiveThreshold=5ms", List.of(),
                List.of("-cp", AgentJvm.TEST_CLASSES.toString(), Hello.class.getName()));
        assertThat(r.stderr).contains("[socktrace] started", "receiveThreshold=PT0.005S", "recording to");
        assertThat(r.events("socktrace.Connect")).extracting(e -> e.getString("outcome")).containsExactly("REFUSED");
    }

    @Test
    void applicationsOwnByteBuddy_keepsWorking() throws Exception {
        Path foreign = Path.of(System.getProperty("socktrace.foreignByteBuddy"));
        assertThat(foreign).exists();
        String cp = AgentJvm.TEST_CLASSES + java.io.File.pathSeparator + foreign;
        Result r = AgentJvm.run("", List.of(), List.of("-cp", cp, ForeignByteBuddy.class.getName()));
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        assertThat(r.stdout).contains("generated: made by the application's Byte Buddy")
                .contains("byte buddy from: " + foreign.toUri().toURL());
        assertThat(r.events("socktrace.Connect")).extracting(e -> e.getString("outcome")).containsExactly("REFUSED");
        // and the agent's copy is relocated: the application cannot see it under net.bytebuddy
        try (java.util.jar.JarFile agent = new java.util.jar.JarFile(AgentJvm.AGENT_JAR.toFile())) {
            assertThat(agent.stream().map(java.util.jar.JarEntry::getName)
                    .filter(n -> n.startsWith("net/bytebuddy/") || n.startsWith("io/socktrace/runtime/")
                            || n.startsWith("io/socktrace/events/"))).isEmpty();
            assertThat(agent.getEntry("io/socktrace/shaded/net/bytebuddy/ByteBuddy.class")).isNotNull();
            assertThat(agent.getEntry("socktrace/socktrace-boot.jar")).isNotNull();
        }
    }

    @Test
    void shippedJfc_worksWithStartFlightRecording() throws Exception {
        Path jfc = Files.createTempFile(AgentJvm.WORK, "socktrace", ".jfc");
        Result settings = AgentJvm.exec(List.of(AgentJvm.JAVA, "-jar", AgentJvm.AGENT_JAR.toString(), "settings"), null);
        assertThat(settings.exitCode).isZero();
        Files.writeString(jfc, settings.stdout);
        Path recording = Files.createTempFile(AgentJvm.WORK, "jfc", ".jfr");
        List<String> cmd = new ArrayList<>(List.of(AgentJvm.JAVA, "-javaagent:" + AgentJvm.AGENT_JAR,
                "-XX:StartFlightRecording:settings=" + jfc + ",filename=" + recording,
                "-cp", AgentJvm.TEST_CLASSES.toString(), Hello.class.getName()));
        Result r = AgentJvm.exec(cmd, recording);
        assertThat(r.exitCode).as(r.stderr).isZero();
        List<RecordedEvent> connects = r.events("socktrace.Connect");
        assertThat(connects).extracting(e -> e.getString("outcome")).containsExactly("REFUSED");
        assertThat(connects.get(0).getStackTrace()).isNotNull();
        // the JDK's own defaults came along
        assertThat(r.events("jdk.JVMInformation")).isNotEmpty();
    }
}
