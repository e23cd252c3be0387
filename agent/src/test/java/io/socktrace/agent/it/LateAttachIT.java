package io.socktrace.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.agent.it.AgentJvm.Result;
import io.socktrace.agent.it.programs.LateAttach;
import io.socktrace.agent.it.programs.Periodic;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.Test;

/**
 * {@code java -jar socktrace-agent.jar attach <pid>} into a JVM that already has a connection
 * open: the socket classes are loaded, so they are retransformed without new fields and the
 * runtime keeps state in its weak map. Both the old connection and a new one must be traced.
 */
class LateAttachIT {

    @Test
    void attach_tracesConnectionsOpenedBeforeAndAfter() throws Exception {
        Files.createDirectories(AgentJvm.WORK);
        Path go = AgentJvm.WORK.resolve("go-" + System.nanoTime());
        Path recording = Files.createTempFile(AgentJvm.WORK, "attach", ".jfr");
        Files.delete(recording);
        String options = "recording=" + recording + ",receiveThreshold=0,sendThreshold=0";
        // a second load does nothing: one set of transformations, so one event per operation below
        Result r = AgentJvm.attachWhenReady(List.of("-cp", AgentJvm.TEST_CLASSES.toString(), LateAttach.class.getName()), go,
                recording, options, options);
        assertThat(r.exitCode).as(r.stdout).isZero();
        assertThat(r.stdout).doesNotContain("WARNING");

        AgentJvm.Endpoints old = r.socket("old");
        RecordedEvent oldSend = r.single("socktrace.Send", old);
        assertThat(oldSend.getLong("bytesWritten")).isEqualTo(1234);
        assertThat(oldSend.getString("address")).isEqualTo(old.remoteAddress);
        RecordedEvent oldClose = r.single("socktrace.Close", old);
        assertThat(oldClose.getString("initiator")).isEqualTo("LOCAL");
        assertThat(oldClose.getLong("bytesWritten")).as("bytes since the attach").isEqualTo(1234);

        AgentJvm.Endpoints refusedTarget = r.target("refused");
        RecordedEvent refused = r.events("socktrace.Connect", e -> e.getInt("port") == refusedTarget.remotePort).get(0);
        assertThat(refused.getString("outcome")).isEqualTo("REFUSED");
        assertThat(refused.getString("address")).isEqualTo("127.0.0.1");
        assertThat(refused.getDuration("timeout").toMillis()).as("the timeout as given, from Socket.connect").isEqualTo(700);

        AgentJvm.Endpoints fresh = r.socket("new");
        assertThat(r.single("socktrace.Connect", fresh).getString("outcome")).isEqualTo("CONNECTED");
        assertThat(r.single("socktrace.Close", fresh).getLong("bytesWritten")).isEqualTo(99);
    }

    @Test
    void watch_printsTheConnectionsOfARunningJvmAsTheyHappen() throws Exception {
        Files.createDirectories(AgentJvm.WORK);
        Path stop = AgentJvm.WORK.resolve("stop-" + System.nanoTime());
        List<String> cmd = new ArrayList<>(List.of(AgentJvm.JAVA));
        if (Runtime.version().feature() >= 21) {
            cmd.add("-XX:+EnableDynamicAgentLoading");
        }
        cmd.addAll(List.of("-cp", AgentJvm.TEST_CLASSES.toString(), Periodic.class.getName(), stop.toString()));
        Process target = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(target.getInputStream(), StandardCharsets.UTF_8))) {
            String ready = lines.readLine();
            assertThat(ready).startsWith("ready ");
            int port = Integer.parseInt(ready.substring(6));

            Result watch = AgentJvm.exec(List.of(AgentJvm.JAVA, "-jar", AgentJvm.AGENT_JAR.toString(), "watch",
                    String.valueOf(target.pid()), "--seconds", "3"), null);

            assertThat(watch.exitCode).as(watch.stdout + watch.stderr).isZero();
            assertThat(watch.stderr).contains("socktrace: watching " + target.pid() + " for 3 s");
            // ~10 connections a second: each a Connect from main and an Accept on the server's thread, with the port
            List<String> connects = watch.stdout.lines()
                    .filter(l -> l.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3}  \\d+ +Connect +CONNECTED .* -> 127\\.0\\.0\\.1:" + port + " .*\\[main\\]"))
                    .collect(java.util.stream.Collectors.toList());
            assertThat(connects).as(watch.stdout).hasSizeGreaterThan(5);
            assertThat(connects.get(0)).contains("at Periodic.main:");
            assertThat(watch.stdout).containsPattern("Accept +ACCEPTED .*127\\.0\\.0\\.1:" + port + " -> .*\\[periodic-server\\]");
            assertThat(watch.stdout).contains("Close        LOCAL");
        } finally {
            Files.createFile(stop);
            if (!target.waitFor(60, TimeUnit.SECONDS)) {
                target.destroyForcibly();
            }
        }
        assertThat(target.exitValue()).isZero();
    }
}
