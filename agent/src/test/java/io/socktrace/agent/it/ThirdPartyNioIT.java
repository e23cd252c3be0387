package io.socktrace.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.agent.it.AgentJvm.Endpoints;
import io.socktrace.agent.it.AgentJvm.Result;
import io.socktrace.agent.it.programs.HttpExchange;
import io.socktrace.agent.it.programs.NettyEcho;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.Test;

/**
 * Real NIO stacks that were not written here, under the agent: Netty's NIO transport, and the
 * JDK's HttpClient against its HttpServer. Their connections must appear once each, with the
 * right 4-tuple and byte totals, and they must behave exactly as without the agent.
 */
class ThirdPartyNioIT {

    @Test
    void netty_echoUnchanged_andOneConnectAndCloseWithTheBytes() throws Exception {
        String cp;
        try (Stream<Path> jars = Files.list(Path.of(System.getProperty("socktrace.nettyLibs")))) {
            cp = AgentJvm.TEST_CLASSES + File.pathSeparator
                    + jars.map(Path::toString).sorted().collect(Collectors.joining(File.pathSeparator));
        }
        long total = 0;
        for (int m : NettyEcho.MESSAGES) {
            total += m;
        }
        Result r = AgentJvm.run("", List.of("-Dio.netty.noUnsafe=true"), List.of("-cp", cp, NettyEcho.class.getName()));
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        assertThat(r.stdout).contains("echoed " + total + " of " + total);
        Endpoints client = r.socket("client");
        Endpoints server = r.socket("server");

        RecordedEvent connect = r.single("socktrace.Connect", client);
        assertThat(connect.getString("outcome")).isEqualTo("CONNECTED");
        assertThat(connect.getBoolean("blocking")).isFalse();
        assertThat(connect.getString("localAddress")).isEqualTo(client.localAddress);
        RecordedEvent accept = r.single("socktrace.Accept", server);
        assertThat(accept.getBoolean("blocking")).isFalse();
        assertThat(accept.getString("communityId")).isEqualTo(connect.getString("communityId"));

        RecordedEvent clientClose = r.single("socktrace.Close", client);
        assertThat(clientClose.getLong("bytesWritten")).isEqualTo(total);
        assertThat(clientClose.getLong("bytesRead")).isEqualTo(total);
        assertThat(clientClose.getString("initiator")).isEqualTo("LOCAL");
        RecordedEvent serverClose = r.single("socktrace.Close", server);
        assertThat(serverClose.getLong("bytesRead")).isEqualTo(total);
        assertThat(serverClose.getLong("bytesWritten")).isEqualTo(total);
        assertThat(serverClose.getString("initiator")).isEqualTo("PEER");
        // the selector loops read zero bytes all the time: none of that is an event
        assertThat(r.events("socktrace.Receive", e -> e.getLong("bytesRead") == 0 && !e.getBoolean("endOfStream"))).isEmpty();
    }

    @Test
    void httpClient_againstHttpServer_oneConnectionWithMatchingTotals() throws Exception {
        Result r = AgentJvm.program(HttpExchange.class, "receiveThreshold=0,sendThreshold=0");
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        assertThat(r.stdout.lines().filter(l -> l.equals("response 200 " + HttpExchange.BODY + " bytes"))).hasSize(HttpExchange.REQUESTS);
        Endpoints client = r.socket("client");
        Endpoints server = r.socket("server");

        assertThat(r.events("socktrace.Connect", e -> e.getInt("port") == client.remotePort)).hasSize(1);
        RecordedEvent connect = r.single("socktrace.Connect", client);
        assertThat(connect.getString("outcome")).isEqualTo("CONNECTED");
        assertThat(connect.getString("address")).isEqualTo("127.0.0.1");
        assertThat(r.single("socktrace.Accept", server).getString("outcome")).isEqualTo("ACCEPTED");

        long clientSent = sum(r.events("socktrace.Send", client::matches), "bytesWritten");
        long clientReceived = sum(r.events("socktrace.Receive", client::matches), "bytesRead");
        RecordedEvent serverClose = r.single("socktrace.Close", server);
        assertThat(serverClose.getString("initiator")).isEqualTo("LOCAL");
        assertThat(serverClose.getLong("bytesRead")).isEqualTo(clientSent).isPositive();
        assertThat(serverClose.getLong("bytesWritten")).isEqualTo(clientReceived)
                .isGreaterThan((long) HttpExchange.REQUESTS * HttpExchange.BODY);
        RecordedEvent clientClose = r.single("socktrace.Close", client);
        assertThat(clientClose.getString("initiator")).isEqualTo("PEER");
        assertThat(clientClose.getLong("bytesRead")).isEqualTo(clientReceived);
        assertThat(clientClose.getLong("bytesWritten")).isEqualTo(clientSent);
    }

    private static long sum(List<RecordedEvent> events, String field) {
        return events.stream().mapToLong(e -> e.getLong(field)).sum();
    }
}
