package io.socktrace.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.agent.it.AgentJvm.Endpoints;
import io.socktrace.agent.it.AgentJvm.Result;
import java.time.Duration;
import java.util.List;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.Test;

/**
 * Each blocking demo scenario, run in a fresh JVM under the real agent, must leave the events its
 * {@code expect:} line announces (README, "The two commands"), on the connection whose 4-tuple the
 * scenario printed.
 */
class DemoScenariosIT {

    @Test
    void refused_recordsConnectRefusedQuickly() throws Exception {
        Result r = AgentJvm.demo("refused", "");
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        Endpoints target = r.target("client");
        List<RecordedEvent> connects = r.events("socktrace.Connect", e -> e.getInt("port") == target.remotePort);
        assertThat(connects).hasSize(1);
        RecordedEvent connect = connects.get(0);
        assertThat(connect.getString("outcome")).isEqualTo("REFUSED");
        assertThat(connect.getString("address")).isEqualTo("127.0.0.1");
        assertThat(connect.getString("exceptionClass")).isEqualTo("java.net.ConnectException");
        assertThat(connect.getString("exceptionMessage")).isEqualTo("Connection refused");
        assertThat(connect.getDuration().toMillis()).isLessThan(200);
        assertThat(connect.getDuration("timeout")).isEqualTo(Duration.ofMillis(2000));
        assertThat(connect.getInt("localPort")).as("the port the SYN left from").isPositive();
        // the JDK closes the socket inside the failed connect: that is no Close of a connection
        assertThat(r.ofConnection(connect.getLong("connectionId"))).hasSize(1);
    }

    @Test
    void connectTimeout_recordsTimedOutAfterTheTimeoutGiven() throws Exception {
        Result r = AgentJvm.demo("connect-timeout", "");
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        Endpoints target = r.target("client");
        List<RecordedEvent> timedOut = r.events("socktrace.Connect",
                e -> e.getInt("port") == target.remotePort && e.getDuration("timeout").toMillis() == 1500);
        assertThat(timedOut).hasSize(1);
        RecordedEvent connect = timedOut.get(0);
        assertThat(connect.getString("outcome")).isEqualTo("TIMED_OUT");
        assertThat(connect.getString("exceptionClass")).isEqualTo("java.net.SocketTimeoutException");
        assertThat(connect.getDuration().toMillis()).isBetween(1400L, 2500L);
        assertThat(connect.getInt("localPort")).as("the port the SYNs left from").isPositive();
        // the fillers that got into the accept queue connected
        Endpoints filler = r.socket("filler1");
        assertThat(r.single("socktrace.Connect", filler).getString("outcome")).isEqualTo("CONNECTED");
    }

    @Test
    void reset_recordsResetOnTheClientsReadAndAbortOnTheServer() throws Exception {
        Result r = AgentJvm.demo("reset", "");
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        Endpoints client = r.socket("client");
        Endpoints server = r.socket("server");

        RecordedEvent reset = r.single("socktrace.Reset", client);
        assertThat(reset.getString("kind")).isEqualTo("CONNECTION_RESET");
        assertThat(reset.getString("operation")).isEqualTo("READ");
        assertThat(reset.getLong("bytesWritten")).isEqualTo(5);
        assertThat(reset.getLong("bytesRead")).isZero();
        assertThat(reset.getDuration("connectionAge")).isPositive().isLessThan(Duration.ofSeconds(5));

        RecordedEvent receive = r.single("socktrace.Receive", client);
        assertThat(receive.getString("outcome")).isEqualTo("RESET");
        assertThat(receive.getString("exceptionMessage")).isEqualTo("Connection reset");

        RecordedEvent serverClose = r.single("socktrace.Close", server);
        assertThat(serverClose.getString("initiator")).isEqualTo("ABORT");
        assertThat(serverClose.getInt("linger")).isZero();
        assertThat(serverClose.getString("tcpStateAfter")).isEqualTo("CLOSED");
        assertThat(serverClose.getLong("bytesRead")).isEqualTo(5);

        RecordedEvent clientClose = r.single("socktrace.Close", client);
        assertThat(clientClose.getString("initiator")).isEqualTo("AFTER_ERROR");
        assertThat(clientClose.getLong("bytesWritten")).isEqualTo(5);
    }

    @Test
    void brokenPipe_recordsTheFailedWriteAfterThePeerClosed() throws Exception {
        Result r = AgentJvm.demo("broken-pipe", "");
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        Endpoints client = r.socket("client");
        Endpoints server = r.socket("server");

        RecordedEvent reset = r.single("socktrace.Reset", client);
        assertThat(reset.getString("operation")).isEqualTo("WRITE");
        assertThat(reset.getString("kind")).isIn("BROKEN_PIPE", "CONNECTION_RESET");
        assertThat(reset.getLong("bytesWritten")).as("the request and the writes that succeeded").isGreaterThanOrEqualTo(105);

        // a write that went through may be recorded too when the loaded machine made it pass the 10 ms threshold
        List<RecordedEvent> failedSends = r.events("socktrace.Send", e -> client.matches(e) && !"OK".equals(e.getString("outcome")));
        assertThat(failedSends).as(r.stdout).hasSize(1);
        RecordedEvent failedSend = failedSends.get(0);
        assertThat(failedSend.getString("outcome")).isIn("BROKEN_PIPE", "RESET");
        assertThat(failedSend.getLong("bytesRequested")).isEqualTo(100);

        assertThat(r.single("socktrace.Close", server).getString("initiator")).isEqualTo("LOCAL");
        assertThat(r.single("socktrace.Close", server).getString("tcpStateAfter")).isEqualTo("TIME_WAIT");
        assertThat(r.single("socktrace.Close", client).getString("initiator")).isEqualTo("AFTER_ERROR");
    }

    @Test
    void slowReader_recordsTheBlockedSendWithAllBytes() throws Exception {
        Result r = AgentJvm.demo("slow-reader", "");
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        Endpoints client = r.socket("client");
        RecordedEvent send = r.single("socktrace.Send", client);
        assertThat(send.getString("outcome")).isEqualTo("OK");
        assertThat(send.getLong("bytesWritten")).isEqualTo(8L << 20);
        assertThat(send.getLong("bytesRequested")).isEqualTo(8L << 20);
        assertThat(send.getDuration().toMillis()).isBetween(1500L, 5000L);
        RecordedEvent close = r.single("socktrace.Close", client);
        assertThat(close.getLong("bytesWritten")).isEqualTo(8L << 20);
        RecordedEvent serverClose = r.single("socktrace.Close", r.socket("server"));
        assertThat(serverClose.getLong("bytesRead")).isEqualTo(8L << 20);
    }

    @Test
    void readTimeout_recordsTimedOutReceive() throws Exception {
        Result r = AgentJvm.demo("read-timeout", "");
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        Endpoints client = r.socket("client");
        RecordedEvent receive = r.single("socktrace.Receive", client);
        assertThat(receive.getString("outcome")).isEqualTo("TIMED_OUT");
        assertThat(receive.getDuration("timeout")).isEqualTo(Duration.ofMillis(500));
        assertThat(receive.getDuration().toMillis()).isBetween(450L, 1500L);
        assertThat(receive.getString("exceptionMessage")).isEqualTo("Read timed out");
        // a timeout does not break the connection: the client's close is an ordinary local close
        assertThat(r.single("socktrace.Close", client).getString("initiator")).isEqualTo("LOCAL");
        assertThat(r.events("socktrace.Reset")).isEmpty();
    }

    @Test
    void abort_recordsAbortForUnreadInputAndForLingerZero() throws Exception {
        Result r = AgentJvm.demo("abort", "");
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        RecordedEvent unread = r.single("socktrace.Close", r.socket("client1"));
        assertThat(unread.getString("initiator")).isEqualTo("ABORT");
        assertThat(unread.getLong("unreadBytes")).isEqualTo(1000);
        assertThat(unread.getInt("linger")).isEqualTo(-1);

        RecordedEvent linger = r.single("socktrace.Close", r.socket("client2"));
        assertThat(linger.getString("initiator")).isEqualTo("ABORT");
        assertThat(linger.getInt("linger")).isZero();
        assertThat(linger.getLong("unreadBytes")).isZero();

        RecordedEvent serverReset = r.single("socktrace.Reset", r.socket("server2"));
        assertThat(serverReset.getString("kind")).isEqualTo("CONNECTION_RESET");
        assertThat(serverReset.getString("operation")).isEqualTo("READ");
    }

    @Test
    void everyConnectionOfADemoRun_hasMatchingFourTuplesOnBothEnds() throws Exception {
        Result r = AgentJvm.demo("reset", "");
        Endpoints client = r.socket("client");
        Endpoints server = r.socket("server");
        RecordedEvent connect = r.single("socktrace.Connect", client);
        RecordedEvent accept = r.single("socktrace.Accept", server);
        assertThat(connect.getString("localAddress")).isEqualTo(client.localAddress);
        assertThat(connect.getString("address")).isEqualTo(client.remoteAddress);
        assertThat(accept.getString("localAddress")).isEqualTo(server.localAddress);
        assertThat(accept.getString("address")).isEqualTo(server.remoteAddress);
        assertThat(accept.getInt("listenPort")).isEqualTo(server.localPort);
        assertThat(accept.getString("outcome")).isEqualTo("ACCEPTED");
        assertThat(connect.getLong("connectionId")).isNotEqualTo(accept.getLong("connectionId"));
        // both ends compute the same flow hash
        assertThat(connect.getString("communityId")).startsWith("1:").isEqualTo(accept.getString("communityId"));
    }
}
