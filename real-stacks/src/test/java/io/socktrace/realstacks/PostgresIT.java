package io.socktrace.realstacks;

import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.events.EventFields;
import io.socktrace.events.EventNames;
import io.socktrace.realstacks.programs.PostgresClients;
import io.socktrace.testsupport.Requirement;
import io.socktrace.testsupport.Requirements;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.Test;

/**
 * A real PostgreSQL (Debian's server, a throw-away cluster on loopback) and pgjdbc through HikariCP
 * under the agent: identical results with and without it; every client connection the server
 * lists is a Connect of the recording, port for port; the backend the server terminates is a
 * connection the peer closed first; the pool's own closes are ours; no leaks, nothing printed.
 */
class PostgresIT {

    private static final Pattern CLIENT = Pattern.compile("^   pg client (\\S+) 127\\.0\\.0\\.1:(\\d+)$", Pattern.MULTILINE);

    @Test
    void pgjdbcThroughHikari_sameResults_everyBackendTheServerListsRecorded() throws Exception {
        Requirements.require(Requirement.postgresServer());
        Path bin = Requirement.postgresBin().orElseThrow();
        int port = RedisIT.freePort();
        Path data = Files.createTempDirectory("socktrace-pg");
        Process server = null;
        try {
            if (Requirement.isRoot()) { // PostgreSQL refuses to run as root: its cluster belongs to postgres
                UserPrincipal postgres = data.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
                Files.setOwner(data, postgres);
            }
            run(asServerUser(bin.resolve("initdb").toString(), "-D", data.toString(), "-A", "trust", "-U", "socktrace", "--no-sync"));
            server = new ProcessBuilder(asServerUser(bin.resolve("postgres").toString(), "-D", data.toString(), "-p", String.valueOf(port),
                    "-k", data.toString(), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"))
                    .redirectErrorStream(true).redirectOutput(data.resolveSibling(data.getFileName() + ".log").toFile()).start();
            RedisIT.awaitListening(port, server);

            StackJvm.Run traced = StackJvm.plainAndTraced(PostgresClients.class, String.valueOf(port));
            assertThat(traced.results()).containsExactly(
                    "result hikari " + PostgresClients.QUERIES + " of " + PostgresClients.QUERIES + " answers",
                    "result terminated true", "result victim PSQLException 57P01");

            Map<Integer, String> listed = new TreeMap<>();
            Matcher m = CLIENT.matcher(traced.stdout);
            while (m.find()) {
                listed.put(Integer.parseInt(m.group(2)), m.group(1));
            }
            assertThat(listed.values()).containsExactlyInAnyOrder("hikari", "hikari", "hikari", "victim");
            List<RecordedEvent> connects = traced.events(EventNames.CONNECT).stream()
                    .filter(e -> e.getInt(EventFields.PORT) == port).collect(Collectors.toList());
            assertThat(connects).allSatisfy(e -> assertThat(e.getString(EventFields.OUTCOME)).isEqualTo("CONNECTED"));
            assertThat(connects.stream().map(e -> e.getInt(EventFields.LOCAL_PORT)).collect(Collectors.toList()))
                    .as("the backends the server listed, port for port").containsExactlyInAnyOrderElementsOf(listed.keySet());

            for (Map.Entry<Integer, String> client : listed.entrySet()) {
                List<RecordedEvent> closes = traced.events(EventNames.CLOSE).stream()
                        .filter(e -> e.getInt(EventFields.LOCAL_PORT) == client.getKey()).collect(Collectors.toList());
                assertThat(closes).as("closes of %s", client).hasSize(1);
                RecordedEvent close = closes.get(0);
                if (client.getValue().equals("victim")) {
                    // the server terminated the backend: its error and end of stream came first
                    assertThat(close.getString(EventFields.INITIATOR)).as("%s", close).isEqualTo("PEER");
                } else {
                    // the pool's close: pgjdbc says Terminate, then closes before the server does
                    assertThat(close.getString(EventFields.INITIATOR)).as("%s", close).isIn("LOCAL", "PEER");
                }
            }
            assertThat(traced.events(EventNames.LEAK)).isEmpty();
            assertThat(traced.events(EventNames.RESET)).isEmpty();
        } finally {
            if (server != null) {
                server.destroy(); // SIGTERM: the postmaster's smart shutdown
                if (!server.waitFor(15, TimeUnit.SECONDS)) {
                    server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
            stopLeftover(data);
            deleteTree(data);
        }
    }

    /** The command as the user PostgreSQL runs as: itself, or postgres when the build runs as root. */
    private static List<String> asServerUser(String... command) {
        List<String> cmd = new ArrayList<>();
        if (Requirement.isRoot()) {
            cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        cmd.addAll(List.of(command));
        return cmd;
    }

    private static void run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new AssertionError(cmd + " failed:\n" + out);
        }
    }

    /** A postmaster that outlived its runuser parent: stopped by the pid in its lock file. */
    private static void stopLeftover(Path data) {
        try {
            Path pidFile = data.resolve("postmaster.pid");
            if (Files.exists(pidFile)) {
                long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
                ProcessHandle.of(pid).ifPresent(h -> {
                    h.destroy();
                    h.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(t -> {
                        h.destroyForcibly();
                        return h;
                    }).join();
                });
            }
        } catch (Exception e) {
            // nothing left to stop
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir.resolveSibling(dir.getFileName() + ".log"));
        } catch (Exception e) {
            // a temporary directory: left for the system to clean
        }
    }
}
