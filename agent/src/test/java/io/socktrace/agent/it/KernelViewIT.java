package io.socktrace.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.agent.it.AgentJvm.Endpoints;
import io.socktrace.agent.it.AgentJvm.Result;
import io.socktrace.agent.it.programs.ReusePortListeners;
import io.socktrace.testsupport.Requirement;
import io.socktrace.testsupport.Requirements;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The kernel's view and the leak checks on the demo scenarios built for them, under the real
 * agent with its periodic events sampled every 250 ms and closeWaitTimeout=1s.
 */
class KernelViewIT {

    private static String options;

    @BeforeAll
    static void fastSampling() throws Exception {
        options = AgentJvm.fastKernelSampling();
    }

    @Test
    void closeWait_tcpInfoShowsIt_andCloseWaitLeakNamesTheConnectionAndItsOpener() throws Exception {
        Result r = AgentJvm.demo("close-wait", options);
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        for (String server : List.of("server1", "server2", "server3")) {
            Endpoints ends = r.socket(server);
            RecordedEvent leak = r.single("socktrace.CloseWaitLeak", ends);
            assertThat(leak.getDuration("closeWaitTime").toMillis()).isBetween(1000L, 3000L);
            assertThat(leak.getLong("bytesRead")).isEqualTo(10);
            assertThat(leak.getString("openingStack")).contains("java.net.ServerSocket.accept").contains("io.socktrace.demo.");
            assertThat(r.events("socktrace.TcpInfo", e -> ends.matches(e) && "CLOSE_WAIT".equals(e.getString("state"))))
                    .as("TcpInfo CLOSE_WAIT for %s", server).isNotEmpty();
            RecordedEvent close = r.single("socktrace.Close", ends);
            assertThat(close.getString("initiator")).isEqualTo("PEER");
            assertThat(close.getDuration("closeWaitTime").toMillis()).isBetween(2500L, 6000L);
        }
        // the clients closed first: no close-wait leak for them
        assertThat(r.events("socktrace.CloseWaitLeak", r.socket("client1")::matches)).isEmpty();
        RecordedEvent stats = r.events("socktrace.NetworkStatistics").stream()
                .max(Comparator.comparingLong(e -> e.getLong("closeWait"))).orElseThrow();
        assertThat(stats.getLong("closeWait")).isEqualTo(3);
    }

    @Test
    void leak_reportsTheDroppedSocketsOnly() throws Exception {
        Result r = AgentJvm.demo("leak", options);
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        for (String leaked : List.of("leaked1", "leaked2", "leaked3")) {
            RecordedEvent leak = r.single("socktrace.Leak", r.socket(leaked));
            assertThat(leak.getString("openingStack")).contains("java.net.Socket.connect").contains("io.socktrace.demo.");
            assertThat(leak.getBoolean("listening")).isFalse();
            assertThat(leak.getDuration("age")).isPositive();
        }
        assertThat(r.events("socktrace.Leak", r.socket("control")::matches)).isEmpty();
        assertThat(r.events("socktrace.Leak")).hasSize(3);
        assertThat(r.events("socktrace.Close", r.socket("leaked1")::matches)).isEmpty();
    }

    @Test
    void notAccepting_listenQueueReachesTheBacklog_andLaterConnectsTimeOut() throws Exception {
        Result r = AgentJvm.demo("not-accepting", options);
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        int port = r.socket("client1").remotePort;
        List<RecordedEvent> queue = r.events("socktrace.ListenQueue", e -> e.getInt("localPort") == port);
        assertThat(queue).isNotEmpty();
        assertThat(queue).allSatisfy(e -> assertThat(e.getInt("backlog")).isEqualTo(4));
        long connected = r.stdout.lines().filter(l -> l.startsWith("   socket queued")).count();
        RecordedEvent fullest = queue.stream().max(Comparator.comparingLong(e -> e.getLong("queueLength"))).orElseThrow();
        assertThat(fullest.getLong("queueLength")).isEqualTo(connected).isEqualTo(5);
        assertThat(fullest.getBoolean("full")).isTrue();
        Endpoints timedOut = r.target("queued6");
        RecordedEvent connect = r.events("socktrace.Connect",
                e -> e.getInt("port") == timedOut.remotePort && "TIMED_OUT".equals(e.getString("outcome"))).get(0);
        assertThat(connect.getDuration().toMillis()).isBetween(250L, 1500L);
        // while they waited for an answer to their SYN the kernel had the timed-out connects in
        // SYN_SENT (each ~300 ms: most are sampled at 250 ms), and the sampler saw them
        Set<Long> timedOutIds = r.events("socktrace.Connect", e -> "TIMED_OUT".equals(e.getString("outcome"))).stream()
                .map(e -> e.getLong("connectionId")).collect(Collectors.toSet());
        List<RecordedEvent> synSent = r.events("socktrace.TcpInfo", e -> timedOutIds.contains(e.getLong("connectionId")));
        assertThat(synSent).isNotEmpty().allSatisfy(e -> {
            assertThat(e.getString("state")).isEqualTo("SYN_SENT");
            assertThat(e.getInt("port")).isEqualTo(timedOut.remotePort);
            assertThat(e.getInt("localPort")).isPositive();
        });
        assertThat(r.events("socktrace.NetworkStatistics")).anySatisfy(e -> assertThat(e.getLong("synSent")).isPositive());
    }

    @Test
    void reusePortListeners_eachHasItsOwnQueue() throws Exception {
        Result r = AgentJvm.program(ReusePortListeners.class, options);
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        int port = Integer.parseInt(r.stdout.lines().filter(l -> l.startsWith("   listeners ")).findFirst().orElseThrow().substring(13));
        Map<Long, List<RecordedEvent>> byListener = r.events("socktrace.ListenQueue", e -> e.getInt("localPort") == port).stream()
                .collect(Collectors.groupingBy(e -> e.getLong("connectionId")));
        assertThat(byListener).hasSize(2);
        Set<Integer> backlogs = new HashSet<>();
        long queued = 0;
        for (List<RecordedEvent> samples : byListener.values()) {
            Set<Integer> backlog = samples.stream().map(e -> e.getInt("backlog")).collect(Collectors.toSet());
            assertThat(backlog).as("one listener, one backlog").hasSize(1);
            backlogs.addAll(backlog);
            queued += samples.stream().mapToLong(e -> e.getLong("queueLength")).max().orElseThrow();
        }
        assertThat(backlogs).containsExactlyInAnyOrder(5, 7);
        assertThat(queued).as("the six clients, in one queue or the other").isEqualTo(6);
    }

    @Test
    void slowReader_tcpInfoShowsTheSendersQueueGrowing() throws Exception {
        Result r = AgentJvm.demo("slow-reader", options);
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        Endpoints client = r.socket("client");
        List<RecordedEvent> sender = r.events("socktrace.TcpInfo", client::matches);
        assertThat(sender).isNotEmpty();
        assertThat(sender.stream().mapToLong(e -> e.getLong("sendQueue")).max().orElse(0)).isPositive();
        List<RecordedEvent> reader = r.events("socktrace.TcpInfo", r.socket("server")::matches);
        assertThat(reader.stream().mapToLong(e -> e.getLong("receiveQueue")).max().orElse(0)).isPositive();
        assertThat(sender).allSatisfy(e -> assertThat(e.getString("state")).isEqualTo("ESTABLISHED"));
    }

    @Test
    void fdExhaustion_acceptFailsWithTooManyOpenFiles_atTheLimit() throws Exception {
        Requirements.require(Requirement.command("prlimit", "util-linux")); // starts the server with a low descriptor limit
        Result r = AgentJvm.demo("fd-exhaustion", options);
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        Matcher recording = Pattern.compile("recording=(\\S+?\\.jfr)").matcher(String.join(" ", r.command));
        assertThat(recording.find()).isTrue();
        Path server = Path.of(recording.group(1).replaceFirst("\\.jfr$", "-server.jfr"));
        assertThat(server).as("the server process's own recording").exists();
        List<RecordedEvent> events = RecordingFile.readAllEvents(server);
        List<RecordedEvent> failed = events.stream().filter(e -> e.getEventType().getName().equals("socktrace.Accept")
                && "TOO_MANY_OPEN_FILES".equals(e.getString("outcome"))).collect(java.util.stream.Collectors.toList());
        assertThat(failed).isNotEmpty();
        assertThat(failed.get(0).getString("exceptionMessage")).isEqualTo("Too many open files");
        RecordedEvent stats = events.stream().filter(e -> e.getEventType().getName().equals("socktrace.NetworkStatistics"))
                .max(Comparator.comparingLong(e -> e.getLong("openFileDescriptors"))).orElseThrow();
        assertThat(stats.getLong("maxFileDescriptors")).isPositive();
        assertThat(stats.getLong("openFileDescriptors")).isGreaterThanOrEqualTo(stats.getLong("maxFileDescriptors") - 2);
    }
}
