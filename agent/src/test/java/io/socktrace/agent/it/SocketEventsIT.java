package io.socktrace.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.agent.it.AgentJvm.Endpoints;
import io.socktrace.agent.it.AgentJvm.Result;
import io.socktrace.agent.it.programs.Exchange;
import java.util.List;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.Test;

/**
 * Exact accounting for java.net.Socket under the agent: one event per operation, byte totals equal
 * to what the program moved, the close initiator for each way of closing, options and half-closes.
 */
class SocketEventsIT {

    private static final String ALL_OPERATIONS = "receiveThreshold=0,sendThreshold=0";

    @Test
    void everyWrite_givesExactlyOneSendWithItsBytes() throws Exception {
        Result r = AgentJvm.program(Exchange.class, ALL_OPERATIONS, "local-first");
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        Endpoints client = r.socket("client");
        List<Long> sends = r.events("socktrace.Send", client::matches).stream()
                .map(e -> e.getLong("bytesWritten")).collect(Collectors.toList());
        assertThat(sends).containsExactly(10L, 200L, 3000L);
        assertThat(r.events("socktrace.Connect", client::matches)).hasSize(1);
        assertThat(r.events("socktrace.Accept", r.socket("server")::matches)).hasSize(1);
        long serverRead = r.events("socktrace.Receive", r.socket("server")::matches).stream()
                .mapToLong(e -> e.getLong("bytesRead")).sum();
        assertThat(serverRead).isEqualTo(3210);
    }

    @Test
    void localFirstClose_isLocalOnTheClientAndPeerOnTheServer() throws Exception {
        Result r = AgentJvm.program(Exchange.class, "", "local-first");
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        RecordedEvent client = r.single("socktrace.Close", r.socket("client"));
        RecordedEvent server = r.single("socktrace.Close", r.socket("server"));
        assertThat(client.getString("initiator")).isEqualTo("LOCAL");
        assertThat(client.getString("tcpStateAfter")).isEqualTo("TIME_WAIT");
        assertThat(client.getLong("bytesWritten")).isEqualTo(3210);
        assertThat(client.getLong("bytesRead")).isEqualTo(Exchange.REPLY);
        assertThat(client.getDuration("closeWaitTime")).isZero();
        assertThat(server.getString("initiator")).isEqualTo("PEER");
        assertThat(server.getString("tcpStateAfter")).isEqualTo("LAST_ACK");
        assertThat(server.getLong("bytesRead")).isEqualTo(3210);
        assertThat(server.getLong("bytesWritten")).isEqualTo(Exchange.REPLY);
        assertThat(server.getDuration("closeWaitTime")).isPositive().isLessThan(server.getDuration("lifetime"));
        assertThat(client.getString("communityId")).isEqualTo(server.getString("communityId"));
    }

    @Test
    void peerFirstClose_isPeerOnTheClient() throws Exception {
        Result r = AgentJvm.program(Exchange.class, "", "peer-first");
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        assertThat(r.single("socktrace.Close", r.socket("client")).getString("initiator")).isEqualTo("PEER");
        assertThat(r.single("socktrace.Close", r.socket("server")).getString("initiator")).isEqualTo("LOCAL");
    }

    @Test
    void lingerZeroClose_isAbortWithTheLingerValue() throws Exception {
        Result r = AgentJvm.program(Exchange.class, "", "linger0");
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        RecordedEvent close = r.single("socktrace.Close", r.socket("client"));
        assertThat(close.getString("initiator")).isEqualTo("ABORT");
        assertThat(close.getInt("linger")).isZero();
        assertThat(close.getString("tcpStateAfter")).isEqualTo("CLOSED");
        RecordedEvent linger = r.events("socktrace.SocketOption", e -> r.socket("client").matches(e)
                && e.getString("option").equals("SO_LINGER")).get(0);
        assertThat(linger.getString("value")).isEqualTo("0");
    }

    @Test
    void halfClose_recordsShutdownAndTheHistoryOnClose() throws Exception {
        Result r = AgentJvm.program(Exchange.class, "", "half-close");
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        RecordedEvent shutdown = r.single("socktrace.Shutdown", r.socket("client"));
        assertThat(shutdown.getBoolean("shutdownOutput")).isTrue();
        assertThat(shutdown.getBoolean("shutdownInput")).isFalse();
        RecordedEvent close = r.single("socktrace.Close", r.socket("client"));
        assertThat(close.getString("halfClose")).isEqualTo("OUTPUT");
        // our FIN went first, so the client initiated the close even though it read EOF before close()
        assertThat(close.getString("initiator")).isEqualTo("LOCAL");
        assertThat(r.single("socktrace.Close", r.socket("server")).getString("initiator")).isEqualTo("PEER");
    }

    @Test
    void optionsSetBeforeConnect_belongToTheConnection() throws Exception {
        Result r = AgentJvm.program(Exchange.class, "", "local-first");
        Endpoints client = r.socket("client");
        long id = r.connectionId(client);
        List<String> options = r.events("socktrace.SocketOption", e -> e.getLong("connectionId") == id).stream()
                .map(e -> e.getString("option") + "=" + e.getString("value")).collect(Collectors.toList());
        assertThat(options).containsExactly("TCP_NODELAY=true", "SO_KEEPALIVE=true", "SO_RCVBUF=65536", "SO_TIMEOUT=5000");
    }

    @Test
    void listenAndAccept_carryTheListenerAndTheRequestedBacklog() throws Exception {
        Result r = AgentJvm.program(Exchange.class, "", "local-first");
        Endpoints server = r.socket("server");
        RecordedEvent listen = r.events("socktrace.Listen", e -> e.getInt("localPort") == server.localPort).get(0);
        assertThat(listen.getInt("backlog")).isEqualTo(7);
        int somaxconn = Integer.parseInt(java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/sys/net/core/somaxconn")).get(0).trim());
        assertThat(listen.getInt("effectiveBacklog")).isEqualTo(Math.min(7, somaxconn));
        assertThat(listen.getString("localAddress")).isEqualTo("127.0.0.1");
        RecordedEvent accept = r.single("socktrace.Accept", server);
        assertThat(accept.getLong("listenerId")).isEqualTo(listen.getLong("connectionId"));
        assertThat(accept.getString("listenAddress")).isEqualTo("127.0.0.1");
    }

    @Test
    void defaultThresholds_dropFastReadsAndWrites() throws Exception {
        Result r = AgentJvm.program(Exchange.class, "", "local-first");
        assertThat(r.exitCode).isZero();
        // every read and write of this exchange takes microseconds, far below the 10 ms default
        assertThat(r.events("socktrace.Send")).isEmpty();
        assertThat(r.events("socktrace.Receive", e -> e.getDuration().toMillis() < 10)).isEmpty();
        assertThat(r.events("socktrace.Close")).hasSize(2);
    }

    @Test
    void socketAdaptors_giveOneEventPerOperation() throws Exception {
        Result r = AgentJvm.program(io.socktrace.agent.it.programs.AdaptorExchange.class, ALL_OPERATIONS);
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        Endpoints client = r.socket("client");
        Endpoints server = r.socket("server");
        RecordedEvent connect = r.single("socktrace.Connect", client);
        assertThat(connect.getDuration("timeout").toMillis()).isEqualTo(2000);
        assertThat(connect.getBoolean("blocking")).isTrue();
        r.single("socktrace.Accept", server);
        assertThat(r.events("socktrace.Send", client::matches)).extracting(e -> e.getLong("bytesWritten"))
                .containsExactly(11L, 222L, 3333L);
        long clientId = connect.getLong("connectionId");
        assertThat(r.events("socktrace.SocketOption", e -> e.getLong("connectionId") == clientId))
                .extracting(e -> e.getString("option")).containsExactly("TCP_NODELAY");
        assertThat(r.single("socktrace.Close", client).getLong("bytesWritten")).isEqualTo(3566);
        assertThat(r.single("socktrace.Close", client).getLong("bytesRead")).isEqualTo(5);
        assertThat(r.single("socktrace.Close", server).getString("initiator")).isEqualTo("PEER");
        assertThat(r.single("socktrace.Close", server).getLong("bytesRead")).isEqualTo(3566);
        List<String> listens = r.events("socktrace.Listen", e -> e.getInt("localPort") == server.localPort).stream()
                .map(e -> e.getInt("backlog") + "").collect(Collectors.toList());
        assertThat(listens).containsExactly("5");
    }

    @Test
    void unresolvedAddress_isUnresolvedWithTheHostAsked() throws Exception {
        Result r = AgentJvm.program(io.socktrace.agent.it.programs.Unresolved.class, "");
        assertThat(r.stdout).contains("java.net.UnknownHostException");
        RecordedEvent connect = r.events("socktrace.Connect").get(0);
        assertThat(r.events("socktrace.Connect")).hasSize(1);
        assertThat(connect.getString("outcome")).isEqualTo("UNRESOLVED");
        assertThat(connect.getString("host")).isEqualTo("nowhere.invalid");
        assertThat(connect.getString("address")).isNull();
        assertThat(connect.getInt("port")).isEqualTo(8080);
        assertThat(connect.getDuration("timeout").toMillis()).isEqualTo(700);
        assertThat(r.events("socktrace.Close")).isEmpty();
    }

    @Test
    void tcpInfo_onCloseWhereTheForeignFunctionApiAndNativeAccessAllowIt() throws Exception {
        boolean ffm = Runtime.version().feature() >= 22;
        // TCP_INFO is set up on the agent's own thread (~150 ms of foreign-function set-up): the
        // program starts its connection once that is surely done
        List<String> jvm = ffm ? List.of("--enable-native-access=ALL-UNNAMED", "-Dexchange.startDelayMillis=1500") : List.of();
        Result r = AgentJvm.run("", jvm, List.of("-cp", AgentJvm.TEST_CLASSES.toString(), Exchange.class.getName(), "local-first"));
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        RecordedEvent close = r.single("socktrace.Close", r.socket("client"));
        if (ffm) {
            assertThat(close.getDuration("rtt")).as("smoothed RTT from TCP_INFO").isPositive().isLessThan(java.time.Duration.ofSeconds(1));
            assertThat(close.getLong("totalRetransmits")).isZero();
        } else {
            assertThat(close.getDuration("rtt")).isZero();
            assertThat(close.getLong("totalRetransmits")).isEqualTo(-1);
        }
        // without native access nothing is attempted, and the JDK prints no warning about it
        Result plain = AgentJvm.program(Exchange.class, "", "local-first");
        assertThat(plain.single("socktrace.Close", plain.socket("client")).getLong("totalRetransmits")).isEqualTo(-1);
        assertThat(plain.stderr).doesNotContain("WARNING");
    }

    @Test
    void stackTraces_startAtTheJdkSocketMethod_withNoSocktraceFrame() throws Exception {
        // the advice commits the event inside the JDK method, as the JDK's own socket events start
        // at the JDK's stream method: no frame of socktrace's runtime in what the user reads
        // settings=profile: a capture session records the stacks of Accept and Close too
        Result streams = AgentJvm.program(Exchange.class, "settings=profile," + ALL_OPERATIONS, "local-first");
        Result adaptor = AgentJvm.program(io.socktrace.agent.it.programs.AdaptorExchange.class, "settings=profile," + ALL_OPERATIONS);
        for (Result r : List.of(streams, adaptor)) {
            for (String name : List.of("socktrace.Connect", "socktrace.Accept", "socktrace.Receive", "socktrace.Send", "socktrace.Close")) {
                String implementation = r == streams ? "sun.nio.ch.NioSocketImpl"
                        : name.equals("socktrace.Accept") ? "sun.nio.ch.ServerSocketChannelImpl" : "sun.nio.ch.SocketChannelImpl";
                List<RecordedEvent> events = r.events(name);
                assertThat(events).as(name).isNotEmpty();
                for (RecordedEvent e : events) {
                    List<String> frames = e.getStackTrace().getFrames().stream()
                            .map(f -> f.getMethod().getType().getName() + "." + f.getMethod().getName()).toList();
                    assertThat(frames.get(0)).as(name + " top frame").startsWith(implementation + ".");
                    assertThat(frames).as(name).noneMatch(f -> f.startsWith("io.socktrace.runtime.") || f.startsWith("io.socktrace.events."));
                }
            }
        }
    }

    @Test
    void stackTraces_defaultSettings_onConnectAndReceiveButNotOnAcceptOrClose() throws Exception {
        Result r = AgentJvm.program(Exchange.class, ALL_OPERATIONS, "local-first");
        for (String name : List.of("socktrace.Connect", "socktrace.Receive", "socktrace.Send")) {
            assertThat(r.events(name)).as(name).isNotEmpty().allSatisfy(e -> assertThat(e.getStackTrace()).as(name).isNotNull());
        }
        // the same accept loop every time, and two closes per connection: a capture session's detail
        assertThat(r.events("socktrace.Accept")).hasSize(1).allSatisfy(e -> assertThat(e.getStackTrace()).isNull());
        assertThat(r.events("socktrace.Close")).hasSize(2).allSatisfy(e -> assertThat(e.getStackTrace()).isNull());
    }

    @Test
    void stackTraces_pointAtTheApplicationLine() throws Exception {
        Result r = AgentJvm.program(Exchange.class, "", "local-first");
        RecordedEvent connect = r.single("socktrace.Connect", r.socket("client"));
        assertThat(connect.getStackTrace().getFrames().stream()
                .map(f -> f.getMethod().getType().getName() + "." + f.getMethod().getName()))
                .contains(Exchange.class.getName() + ".main");
    }
}
