package io.socktrace.realstacks;

import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.events.EventFields;
import io.socktrace.events.EventNames;
import io.socktrace.realstacks.programs.RedisClients;
import io.socktrace.testsupport.Requirements;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.Test;

/**
 * A real redis-server (Debian's package) on loopback and Redis's Java clients under the agent:
 * Jedis on the JDK's sockets, Lettuce on Netty's native epoll transport. The application gets the
 * same results with and without the agent; every connection the server lists is a Connect of the
 * recording, port for port, and nothing else is; the connection the server kills saw the server's
 * end of stream first; Jedis's closes are aborts (it sets SO_LINGER 0); no leaks; the agent prints nothing.
 */
class RedisIT {

    private static final Pattern CLIENT = Pattern.compile("^   redis client (\\S+) 127\\.0\\.0\\.1:(\\d+)$", Pattern.MULTILINE);

    @Test
    void jedisAndLettuce_sameResults_everyConnectionTheServerListsRecorded() throws Exception {
        Path redis = Requirements.command("redis-server", "redis-server");
        int port = freePort();
        Files.createDirectories(StackJvm.WORK);
        Process server = new ProcessBuilder(redis.toString(), "--bind", "127.0.0.1", "--port", String.valueOf(port), "--save", "",
                "--appendonly", "no", "--dir", StackJvm.WORK.toAbsolutePath().toString())
                .redirectErrorStream(true).redirectOutput(StackJvm.WORK.resolve("redis-" + port + ".log").toFile()).start();
        try {
            awaitListening(port, server);
            StackJvm.Run traced = StackJvm.plainAndTraced(RedisClients.class, String.valueOf(port));
            assertThat(traced.results()).containsExactly(
                    "result jedis " + RedisClients.KEYS + " of " + RedisClients.KEYS + " values back",
                    "result lettuce " + RedisClients.KEYS + " of " + RedisClients.KEYS + " values back",
                    "result victim JedisConnectionException");
            assertThat(traced.stdout).contains("lettuce on epoll: true");

            Map<String, Integer> listed = new TreeMap<>();
            Matcher m = CLIENT.matcher(traced.stdout);
            while (m.find()) {
                listed.put(m.group(1), Integer.parseInt(m.group(2)));
            }
            assertThat(listed).containsOnlyKeys("jedis", "lettuce", "victim", "admin");
            List<RecordedEvent> connects = traced.events(EventNames.CONNECT).stream()
                    .filter(e -> e.getInt(EventFields.PORT) == port).collect(Collectors.toList());
            assertThat(connects).allSatisfy(e -> assertThat(e.getString(EventFields.OUTCOME)).isEqualTo("CONNECTED"));
            Set<Integer> connectedFrom = connects.stream().map(e -> e.getInt(EventFields.LOCAL_PORT)).collect(Collectors.toSet());
            assertThat(connectedFrom).as("the clients the server listed, port for port").containsExactlyInAnyOrderElementsOf(listed.values());
            assertThat(connects).hasSize(listed.size());

            RecordedEvent lettuce = single(connects, listed.get("lettuce"));
            assertThat(lettuce.getStackTrace().getFrames()).anyMatch(f -> f.getMethod().getType().getName().equals("io.netty.channel.unix.Socket"));
            RecordedEvent jedis = single(connects, listed.get("jedis"));
            assertThat(jedis.getStackTrace().getFrames()).anyMatch(f -> f.getMethod().getType().getName().startsWith("redis.clients.jedis."));

            // Jedis sets SO_LINGER 0 on every socket it makes: each of its closes is an RST, which the agent says
            RecordedEvent jedisClose = single(traced.events(EventNames.CLOSE), listed.get("jedis"));
            assertThat(jedisClose.getString(EventFields.INITIATOR)).isEqualTo("ABORT");
            assertThat(jedisClose.getString(EventFields.INITIATOR_EVIDENCE)).isEqualTo("LINGER_ZERO");
            assertThat(jedisClose.getDuration(EventFields.CLOSE_WAIT_TIME)).isZero();
            // the killed one: the server's end of stream came first (Jedis read it), then Jedis's RST
            RecordedEvent killed = single(traced.events(EventNames.CLOSE), listed.get("victim"));
            assertThat(killed.getString(EventFields.INITIATOR)).isEqualTo("ABORT");
            assertThat(killed.getDuration(EventFields.CLOSE_WAIT_TIME).toNanos()).as("the server closed it first").isPositive();
            RecordedEvent lettuceClose = single(traced.events(EventNames.CLOSE), listed.get("lettuce"));
            assertThat(lettuceClose.getString(EventFields.INITIATOR)).isEqualTo("LOCAL");
            assertThat(lettuceClose.getString(EventFields.INITIATOR_EVIDENCE)).isEqualTo("NO_FIN");
            assertThat(traced.events(EventNames.LEAK)).isEmpty();
            assertThat(traced.events(EventNames.RESET)).isEmpty();
        } finally {
            server.destroy();
            if (!server.waitFor(10, TimeUnit.SECONDS)) {
                server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static RecordedEvent single(List<RecordedEvent> events, int localPort) {
        List<RecordedEvent> found = events.stream().filter(e -> e.getInt(EventFields.LOCAL_PORT) == localPort).collect(Collectors.toList());
        assertThat(found).as("events from local port %d", localPort).hasSize(1);
        return found.get(0);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static void awaitListening(int port, Process server) throws Exception {
        for (int i = 0; i < 100; i++) {
            if (!server.isAlive()) {
                throw new AssertionError("the server exited with " + server.exitValue());
            }
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("nothing listens on " + port + " after 10 s");
    }
}
