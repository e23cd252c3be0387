package io.socktrace.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The child JVM's command line: it must be traced like its parent, into a recording of its own,
 * or a demo run under the agent would lose the server's events (or both recordings).
 */
class ChildJvmTest {

    @Test
    void agentRecordingGetsTheSuffixAndOtherOptionsStay() {
        List<String> inherited = ChildJvm.inheritedOptions(List.of(
                "-javaagent:/w/agent/target/socktrace-agent.jar=recording=/tmp/x.jfr,closeWaitTimeout=1s"), "-server");

        assertThat(inherited).containsExactly(
                "-javaagent:/w/agent/target/socktrace-agent.jar=recording=/tmp/x-server.jfr,closeWaitTimeout=1s");
    }

    @Test
    void agentsWithoutARecordingPassUnchanged() {
        List<String> agents = List.of("-javaagent:agent.jar", "-javaagent:other.jar=destfile=x.exec",
                "-javaagent:socktrace-agent.jar=log=debug,receiveThreshold=0");

        assertThat(ChildJvm.inheritedOptions(agents, "-server")).containsExactlyElementsOf(agents);
    }

    @Test
    void flightRecordingFileGetsTheSuffixInEitherSyntax() {
        List<String> inherited = ChildJvm.inheritedOptions(List.of(
                "-XX:StartFlightRecording=filename=/tmp/a.jfr,settings=profile",
                "-XX:StartFlightRecording:name=x,filename=b.jfr"), "-server");

        assertThat(inherited).containsExactly("-XX:StartFlightRecording=filename=/tmp/a-server.jfr,settings=profile",
                "-XX:StartFlightRecording:name=x,filename=b-server.jfr");
    }

    @Test
    void flightRecordingWithoutAFileNamePassesUnchanged() {
        // The JVM names such a file after its process id: no collision with the parent's.
        List<String> recordings = List.of("-XX:StartFlightRecording", "-XX:StartFlightRecording=duration=30s",
                "-XX:StartFlightRecording=filename=/tmp/recordings");

        assertThat(ChildJvm.inheritedOptions(recordings, "-server")).containsExactlyElementsOf(recordings);
    }

    @Test
    void otherOptionsStayWithTheParent() {
        List<String> inherited = ChildJvm.inheritedOptions(List.of("-Xmx64m", "-Dfoo=bar.jfr",
                "-agentlib:jdwp=transport=dt_socket,server=y,address=5005", "-XX:+UseSerialGC"), "-server");

        assertThat(inherited).isEmpty();
    }

    @Test
    void commandRunsTheSameJavaOnTheDemoClasses() {
        List<String> command = ChildJvm.command(FdExhaustionServer.class, "-server", List.of("256"));

        assertThat(command.get(0)).isEqualTo(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        assertThat(command.subList(command.size() - 4, command.size()))
                .startsWith("-cp").endsWith("io.socktrace.demo.FdExhaustionServer", "256");
        assertThat(Path.of(command.get(command.size() - 3)).resolve("io/socktrace/demo/FdExhaustionServer.class"))
                .exists();
    }

    @Test
    void findsExecutablesOnThePath() {
        assertThat(ChildJvm.findOnPath("sh")).hasValueSatisfying(sh -> assertThat(sh).isExecutable());
        assertThat(ChildJvm.findOnPath("socktrace-no-such-program")).isEmpty();
    }
}
