package io.socktrace.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.agent.it.AgentJvm.Endpoints;
import io.socktrace.agent.it.AgentJvm.Result;
import io.socktrace.testsupport.Requirement;
import io.socktrace.testsupport.Requirements;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedThread;
import org.junit.jupiter.api.Test;

/**
 * The NIO, asynchronous and virtual-thread demo scenarios under the real agent: the same events
 * and fields as the blocking API, one Connect and one Close per connection, exact byte totals.
 */
class ChannelScenariosIT {

    private static final long ECHOED = 100 + 2000 + 30000;

    @Test
    void nio_oneConnectAndCloseWithExactTotalsPerClient() throws Exception {
        Result r = AgentJvm.demo("nio", "");
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        assertNioConnections(r);
    }

    @Test
    void nio_underJfrsOwnStartupRecording_isTracedTheSame() throws Exception {
        // -XX:StartFlightRecording loads SocketChannelImpl right after premain, and JDK 17's JFR
        // retransforms it for jdk.SocketRead/Write: both instrumentations must coexist
        Path jfc = Files.createTempFile(AgentJvm.WORK, "nio", ".jfc");
        // the profile settings keep the JDK's socket events on (socktrace.jfc turns them off)
        Files.writeString(jfc, AgentJvm.exec(List.of(AgentJvm.JAVA, "-jar", AgentJvm.AGENT_JAR.toString(), "settings", "--profile"),
                null).stdout);
        Result r = AgentJvm.run(null, List.of("-XX:StartFlightRecording:settings=" + jfc + ",filename={recording}"),
                List.of("-jar", AgentJvm.DEMO_JAR.toString(), "nio"));
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        assertNioConnections(r);
        assertThat(r.events("jdk.SocketRead")).as("the JDK's own socket events still work").isNotEmpty();
    }

    private static void assertNioConnections(Result r) {
        for (String client : List.of("client1", "client2", "client3")) {
            Endpoints ends = r.socket(client);
            assertThat(r.single("socktrace.Connect", ends).getString("outcome")).isEqualTo("CONNECTED");
            r.single("socktrace.Close", ends);
            r.single("socktrace.Accept", r.socket("server" + client.substring(6)));
        }
        RecordedEvent close1 = r.single("socktrace.Close", r.socket("client1"));
        assertThat(close1.getLong("bytesWritten")).isEqualTo(ECHOED);
        assertThat(close1.getLong("bytesRead")).isEqualTo(ECHOED);
        assertThat(close1.getString("initiator")).isEqualTo("LOCAL");
        RecordedEvent server1 = r.single("socktrace.Close", r.socket("server1"));
        assertThat(server1.getLong("bytesRead")).isEqualTo(ECHOED);
        assertThat(server1.getLong("bytesWritten")).isEqualTo(ECHOED);
        assertThat(server1.getString("initiator")).isEqualTo("PEER");

        RecordedEvent close2 = r.single("socktrace.Close", r.socket("client2"));
        assertThat(close2.getString("halfClose")).isEqualTo("OUTPUT");
        assertThat(close2.getString("initiator")).isEqualTo("LOCAL");
        assertThat(r.single("socktrace.Shutdown", r.socket("client2")).getBoolean("shutdownOutput")).isTrue();

        RecordedEvent connect3 = r.single("socktrace.Connect", r.socket("client3"));
        assertThat(connect3.getBoolean("blocking")).isFalse();
        RecordedEvent close3 = r.single("socktrace.Close", r.socket("client3"));
        assertThat(close3.getString("initiator")).isEqualTo("ABORT");
        assertThat(close3.getInt("linger")).isZero();
        RecordedEvent reset3 = r.single("socktrace.Reset", r.socket("server3"));
        assertThat(reset3.getString("kind")).isEqualTo("CONNECTION_RESET");
        assertThat(reset3.getString("operation")).isEqualTo("READ");

        // the stalled non-blocking sender: one Send for the long stall, every short write counted
        Endpoints client4 = r.socket("client4");
        Matcher shortWrites = Pattern.compile("client4: wrote (\\d+) bytes .*; (\\d+) short writes").matcher(r.stdout);
        assertThat(shortWrites.find()).as(r.stdout).isTrue();
        RecordedEvent close4 = r.single("socktrace.Close", client4);
        assertThat(close4.getLong("shortWrites")).isEqualTo(Long.parseLong(shortWrites.group(2)));
        assertThat(close4.getLong("bytesWritten")).isEqualTo(Long.parseLong(shortWrites.group(1)));
        List<RecordedEvent> stalls = r.events("socktrace.Send", e -> client4.matches(e) && e.getDuration().toMillis() > 1000);
        assertThat(stalls).hasSize(1);
        RecordedEvent stall = stalls.get(0);
        assertThat(stall.getString("outcome")).isIn("PARTIAL", "WOULD_BLOCK");
        assertThat(stall.getLong("shortWrites")).isPositive();
        assertThat(stall.getDuration().toMillis()).isBetween(1200L, 5000L);

        // selector loops read zero bytes all the time: none of that is an event
        assertThat(r.events("socktrace.Receive", e -> e.getLong("bytesRead") == 0 && !e.getBoolean("endOfStream")
                && e.getString("exceptionClass") == null)).isEmpty();
    }

    @Test
    void nonBlockingConnect_spansConnectToFinishConnect() throws Exception {
        Result r = AgentJvm.program(io.socktrace.agent.it.programs.NonBlockingConnects.class, "");
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        long gap = io.socktrace.agent.it.programs.NonBlockingConnects.GAP_MILLIS;
        RecordedEvent ok = r.single("socktrace.Connect", r.socket("ok"));
        assertThat(ok.getString("outcome")).isEqualTo("CONNECTED");
        assertThat(ok.getBoolean("blocking")).isFalse();
        assertThat(ok.getDuration().toMillis()).as("connect() to finishConnect()").isBetween(gap, gap + 1000);

        int port = r.target("refused").remotePort;
        List<RecordedEvent> failed = r.events("socktrace.Connect", e -> e.getInt("port") == port);
        assertThat(failed).extracting(e -> e.getString("outcome")).containsExactly("REFUSED", "CLOSED");
        assertThat(failed.get(0).getDuration().toMillis()).isBetween(gap, gap + 1000);
        assertThat(failed.get(0).getString("exceptionMessage")).isEqualTo("Connection refused");
        assertThat(failed.get(1).getDuration().toMillis()).isBetween(gap, gap + 1000);
        assertThat(failed.get(1).getString("exceptionMessage")).isEqualTo("closed before finishConnect");
        assertThat(failed.get(1).getInt("localPort")).as("the port its SYN left from").isPositive();
        assertThat(r.events("socktrace.Close", e -> e.getInt("port") == port)).isEmpty();
    }

    @Test
    void channelWriteAfterPeerClosed_isABrokenPipeLikeTheBlockingApi() throws Exception {
        Result r = AgentJvm.program(io.socktrace.agent.it.programs.ChannelBrokenPipe.class, "");
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        Matcher ok = Pattern.compile("client: (\\d+) writes ok, then (\\S+): (.*)").matcher(r.stdout);
        assertThat(ok.find()).as(r.stdout).isTrue();
        Endpoints client = r.socket("client");
        RecordedEvent reset = r.single("socktrace.Reset", client);
        assertThat(reset.getString("operation")).isEqualTo("WRITE");
        assertThat(reset.getString("kind")).isEqualTo(ok.group(3).contains("Broken pipe") ? "BROKEN_PIPE" : "CONNECTION_RESET");
        assertThat(reset.getString("exceptionClass")).isEqualTo(ok.group(2));
        assertThat(reset.getLong("bytesWritten")).isEqualTo(5 + 100L * Integer.parseInt(ok.group(1)));
        RecordedEvent failed = r.single("socktrace.Send", client);
        assertThat(failed.getString("outcome")).isIn("BROKEN_PIPE", "RESET");
        assertThat(failed.getLong("bytesRequested")).isEqualTo(100);
        assertThat(r.single("socktrace.Close", client).getString("initiator")).isEqualTo("AFTER_ERROR");
        assertThat(r.single("socktrace.Close", r.socket("server")).getString("initiator")).isEqualTo("LOCAL");
    }

    @Test
    void async_bothFlavoursAndTheReadTimeout() throws Exception {
        Result r = AgentJvm.demo("async", "receiveThreshold=0,sendThreshold=0");
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        Endpoints client1 = r.socket("client1");
        Endpoints server1 = r.socket("server1");
        RecordedEvent connect = r.single("socktrace.Connect", client1);
        assertThat(connect.getString("outcome")).isEqualTo("CONNECTED");
        assertThat(connect.getBoolean("blocking")).isFalse();
        assertThat(connect.getString("localAddress")).isEqualTo(client1.localAddress);
        RecordedEvent accept = r.single("socktrace.Accept", server1);
        assertThat(accept.getString("outcome")).isEqualTo("ACCEPTED");
        assertThat(accept.getString("communityId")).isEqualTo(connect.getString("communityId"));
        RecordedEvent send = r.single("socktrace.Send", client1);
        assertThat(send.getLong("bytesWritten")).isEqualTo(1000);
        assertThat(r.events("socktrace.Receive", client1::matches).stream().mapToLong(e -> e.getLong("bytesRead")).sum()).isEqualTo(1000);
        RecordedEvent close1 = r.single("socktrace.Close", client1);
        assertThat(close1.getLong("bytesWritten")).isEqualTo(1000);
        assertThat(close1.getLong("bytesRead")).isEqualTo(1000);
        RecordedEvent serverClose = r.single("socktrace.Close", server1);
        assertThat(serverClose.getLong("bytesRead")).isEqualTo(1000);
        assertThat(serverClose.getLong("bytesWritten")).isEqualTo(1000);
        assertThat(serverClose.getString("initiator")).isEqualTo("PEER");

        Endpoints client2 = r.socket("client2");
        RecordedEvent timedOut = r.single("socktrace.Receive", client2);
        assertThat(timedOut.getString("outcome")).isEqualTo("TIMED_OUT");
        assertThat(timedOut.getString("exceptionClass")).isEqualTo("java.nio.channels.InterruptedByTimeoutException");
        assertThat(timedOut.getDuration("timeout")).isEqualTo(Duration.ofMillis(500));
        assertThat(timedOut.getDuration().toMillis()).isBetween(450L, 1500L);
    }

    @Test
    void virtualThreads_eventsCarryTheVirtualThread() throws Exception {
        Result r = AgentJvm.demo("virtual-threads", "");
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        if (Runtime.version().feature() < 21) {
            assertThat(r.stdout).contains("skipped: virtual threads need JDK 21 or newer");
            Requirements.require(Requirement.jdk(21));
        }
        Endpoints client1 = r.socket("client1");
        RecordedEvent connect = r.single("socktrace.Connect", client1);
        RecordedThread thread = connect.getThread();
        assertThat(thread.getJavaName()).isEqualTo("virtual-threads-client1");
        assertThat(thread.hasField("virtual") && thread.getBoolean("virtual")).as("JFR marks the thread virtual").isTrue();
        assertThat(connect.getStackTrace().getFrames()).anyMatch(f -> f.getMethod().getType().getName().startsWith("io.socktrace.demo."));
        RecordedEvent serverClose = r.single("socktrace.Close", r.socket("server1"));
        assertThat(serverClose.getThread().getJavaName()).startsWith("virtual-threads-handler");
        assertThat(serverClose.getThread().getBoolean("virtual")).isTrue();
        assertThat(serverClose.getLong("bytesRead")).isEqualTo(256);
        int serverPort = client1.remotePort;
        assertThat(r.events("socktrace.Connect", e -> e.getInt("port") == serverPort && "CONNECTED".equals(e.getString("outcome"))))
                .hasSize(20);
        assertThat(r.events("socktrace.Close", e -> e.getInt("port") == serverPort)).hasSize(20);
        assertThat(r.events("jdk.VirtualThreadPinned")).isEmpty();
    }
}
