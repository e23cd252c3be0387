package io.socktrace.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.testsupport.Requirement;
import io.socktrace.testsupport.Requirements;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs every scenario once, in-process and without the agent (about 20 s: several scenarios hold
 * their state for seconds, so that the agent's samplers can see it), and checks that each failure
 * happened and was reported in the format the integration tests parse.
 */
class ScenariosTest {

    private static DemoOutput run;
    private static Map<String, List<String>> sections;

    @BeforeAll
    static void runAll() {
        run = DemoOutput.run("all");
        sections = run.sections();
    }

    @Test
    void everyScenarioRanAsExpected() {
        assertThat(run.err).as(run.out).isEmpty();
        assertThat(run.exitCode).as(run.out).isZero();
        assertThat(run.out).doesNotContain("UNEXPECTED");
        assertThat(sections.keySet()).containsExactlyElementsOf(
                Scenarios.all().stream().map(Scenario::name).toList());
    }

    @Test
    void eachSectionStartsWithTheTwoHeaderLines() {
        for (Scenario scenario : Scenarios.all()) {
            List<String> section = sections.get(scenario.name());
            assertThat(section.get(0)).isEqualTo("== " + scenario.name() + ": " + scenario.description());
            assertThat(section.get(1)).isEqualTo("   expect: " + scenario.expectation());
            assertThat(section.subList(2, section.size())).allSatisfy(line ->
                    assertThat(line).matches("   (socket|target|listen) \\S+ .*|   [a-z0-9]+: .*"));
        }
    }

    @Test
    void socketLinesParseAndEveryServerSocketHasItsClient() {
        for (Map.Entry<String, List<String>> entry : sections.entrySet()) {
            List<String[]> sockets = new ArrayList<>();
            for (String line : entry.getValue()) {
                if (line.startsWith("   socket ")) {
                    Matcher m = DemoOutput.SOCKET.matcher(line);
                    assertThat(m.matches()).as(line).isTrue();
                    assertThat(m.group(2)).isEqualTo("127.0.0.1");
                    assertThat(m.group(4)).isEqualTo("127.0.0.1");
                    assertThat(Integer.parseInt(m.group(3))).isPositive();
                    assertThat(Integer.parseInt(m.group(5))).isPositive();
                    sockets.add(new String[] {m.group(1), m.group(3), m.group(5)});
                }
            }
            assertThat(sockets.stream().map(s -> s[0])).as(entry.getKey() + ": one socket line per role")
                    .doesNotHaveDuplicates();
            for (String[] server : sockets) {
                if (server[0].startsWith("server")) {
                    String client = server[0].replace("server", "client");
                    assertThat(sockets).as(entry.getKey() + " " + client)
                            .anySatisfy(s -> assertThat(new String[] {s[0], s[2], s[1]})
                                    .containsExactly(client, server[1], server[2]));
                }
            }
        }
    }

    @Test
    void refused() {
        List<String> section = sections.get("refused");
        String client = DemoOutput.result(section, "client");

        assertThat(client).contains("connect failed after").endsWith("java.net.ConnectException: Connection refused");
        assertThat(DemoOutput.elapsedMillis(client)).isLessThan(1000);
        Matcher target = DemoOutput.TARGET.matcher(lineStarting(section, "   target client "));
        assertThat(target.matches()).isTrue();
        assertThat(target.group(2)).isEqualTo("127.0.0.1");
        assertThat(Integer.parseInt(target.group(3))).isPositive();
    }

    @Test
    void connectTimeout() {
        List<String> section = sections.get("connect-timeout");
        String client = DemoOutput.result(section, "client");

        assertThat(client).endsWith("java.net.SocketTimeoutException: Connect timed out");
        assertThat(DemoOutput.elapsedMillis(client)).isBetween(1400.0, 3000.0);
        assertThat(section).anyMatch(l -> l.startsWith("   socket filler1 "));
        Matcher listen = DemoOutput.LISTEN.matcher(lineStarting(section, "   listen server "));
        Matcher target = DemoOutput.TARGET.matcher(lineStarting(section, "   target client "));
        assertThat(listen.matches() && target.matches()).isTrue();
        assertThat(target.group(3)).isEqualTo(listen.group(3));
    }

    @Test
    void notAccepting() {
        List<String> section = sections.get("not-accepting");
        List<String> roles = socketRoles(section);
        List<String> queued = roles.stream().filter(r -> r.startsWith("queued")).toList();
        List<String> timedOut = section.stream().filter(l -> l.startsWith("   target queued")).toList();

        assertThat(roles).startsWith("client1", "server1", "queued1");
        assertThat(queued).isNotEmpty();
        assertThat(timedOut).isNotEmpty();
        assertThat(queued.size() + timedOut.size()).isEqualTo(10);
        assertThat(DemoOutput.result(section, "queued")).isEqualTo("   queued: " + queued.size()
                + " connected and each wrote 100 bytes, which sit in the accept queue unread; " + timedOut.size()
                + " timed out");
        int port = listenPort(section);
        for (String line : timedOut) {
            Matcher target = DemoOutput.TARGET.matcher(line);
            assertThat(target.matches()).as(line).isTrue();
            assertThat(Integer.parseInt(target.group(3))).isEqualTo(port);
            String role = target.group(1);
            assertThat(DemoOutput.result(section, role)).contains("connect failed after ")
                    .endsWith("java.net.SocketTimeoutException: Connect timed out");
        }
        String wait = DemoOutput.result(section, "queued1");
        assertThat(wait).endsWith("java.net.SocketTimeoutException: Read timed out");
        assertThat(DemoOutput.elapsedMillis(wait)).isGreaterThanOrEqualTo(1900);
        assertThat(DemoOutput.result(section, "client1")).contains("wrote 5 bytes, read 5 back");
        assertThat(DemoOutput.result(section, "server1")).contains("read returned -1")
                .endsWith("accept was never called again");
    }

    @Test
    void reset() {
        List<String> section = sections.get("reset");

        assertThat(DemoOutput.result(section, "client"))
                .contains("wrote 5 bytes").endsWith("java.net.SocketException: Connection reset");
        assertThat(DemoOutput.result(section, "server")).contains("read 5 bytes").contains("SO_LINGER 0");
    }

    @Test
    void brokenPipe() {
        String client = DemoOutput.result(sections.get("broken-pipe"), "client");

        assertThat(client).containsPattern(" [1-9]\\d* writes? ok \\(\\d+ bytes\\), then java\\.net\\.SocketException: "
                + "(Broken pipe|Connection reset by peer)$");
    }

    @Test
    void slowReader() {
        List<String> section = sections.get("slow-reader");
        Matcher client = Pattern.compile("wrote 8388608 bytes, write blocked (\\d+) ms")
                .matcher(DemoOutput.result(section, "client"));

        assertThat(client.find()).isTrue();
        assertThat(Long.parseLong(client.group(1))).isGreaterThanOrEqualTo(1500);
        assertThat(DemoOutput.result(section, "server")).contains("read 8388608 bytes");
    }

    @Test
    void readTimeout() {
        List<String> section = sections.get("read-timeout");
        String client = DemoOutput.result(section, "client");

        assertThat(client).startsWith("   client: read failed after ")
                .endsWith("java.net.SocketTimeoutException: Read timed out");
        assertThat(DemoOutput.elapsedMillis(client)).isGreaterThanOrEqualTo(450);
        assertThat(DemoOutput.result(section, "server")).contains("read returned -1");
    }

    @Test
    void closeWait() {
        List<String> section = sections.get("close-wait");

        assertThat(socketRoles(section)).containsExactly("client1", "client2", "client3", "server1", "server2",
                "server3");
        for (int i = 1; i <= 3; i++) {
            assertThat(DemoOutput.result(section, "server" + i)).startsWith("   server" + i + ": read 10 bytes, "
                    + "then read returned -1 after ");
        }
        assertThat(DemoOutput.result(section, "clients")).isEqualTo("   clients: each wrote 10 bytes, then closed (FIN)");
        assertThat(DemoOutput.result(section, "server"))
                .isEqualTo("   server: read EOF on 3 connections, kept them open 3000 ms (CLOSE_WAIT)");
    }

    @Test
    void fdExhaustion() {
        List<String> section = sections.get("fd-exhaustion");

        if (ChildJvm.findOnPath("prlimit").isEmpty()) {
            // the demo says why it skipped; the scenario itself did not run: the test is skipped too
            assertThat(section.subList(2, section.size())).containsExactly("   skipped: prlimit not found");
            Requirements.require(Requirement.command("prlimit", "util-linux"));
        }
        assertThat(socketRoles(section)).containsExactly("client1", "client2", "client3");
        int port = listenPort(section);
        assertThat(section).filteredOn(l -> l.startsWith("   socket "))
                .allSatisfy(l -> assertThat(l).endsWith(" -> 127.0.0.1:" + port));
        assertThat(DemoOutput.results(section, "server")).hasSize(3).satisfiesExactly(
                exhausted -> assertThat(exhausted).matches("   server: opened \\d+ files until "
                        + "java\\.io\\.FileNotFoundException: /dev/null \\(Too many open files\\)"),
                accepts -> assertThat(accepts).matches("   server: accept failed [1-9]\\d* times with "
                        + "\"Too many open files\" \\(java\\.io\\.IOException: Too many open files\\), "
                        + "timed out \\d+ times, accepted \\d+"),
                exit -> assertThat(exit).isEqualTo("   server: exited with status 0"));
        for (int i = 1; i <= 3; i++) {
            assertThat(DemoOutput.results(section, "client" + i)).satisfiesExactly(
                    waited -> assertThat(waited).contains("wrote 10 bytes, then read failed after ")
                            .endsWith("java.net.SocketTimeoutException: Read timed out"),
                    reset -> assertThat(reset).containsPattern("after the server exited, read (failed after .*"
                            + "java\\.net\\.SocketException: Connection reset$|returned -1 .*accepted this one after all)"));
        }
    }

    @Test
    void leak() {
        List<String> section = sections.get("leak");

        assertThat(socketRoles(section)).containsExactly("leaked1", "leaked2", "leaked3", "control");
        listenPort(section);
        assertThat(DemoOutput.result(section, "client"))
                .isEqualTo("   client: 3 sockets dropped without close and collected; control closed normally");
        assertThat(DemoOutput.result(section, "server")).contains("read 10 bytes and end of stream on 4 of 4 connections");
    }

    @Test
    void abort() {
        List<String> section = sections.get("abort");

        assertThat(DemoOutput.result(section, "client1")).contains("closed with 1000 bytes unread");
        assertThat(DemoOutput.result(section, "server1")).contains("read returned -1")
                .containsPattern("java\\.net\\.SocketException: (Broken pipe|Connection reset by peer)$");
        assertThat(DemoOutput.result(section, "client2")).contains("SO_LINGER 0");
        assertThat(DemoOutput.result(section, "server2")).endsWith("java.net.SocketException: Connection reset");
    }

    @Test
    void nio() {
        List<String> section = sections.get("nio");

        assertThat(socketRoles(section)).containsExactly("client1", "server1", "client2", "server2", "client3",
                "server3", "client4", "server4");
        assertThat(section).filteredOn(l -> l.startsWith("   listen ")).hasSize(2)
                .allSatisfy(l -> assertThat(DemoOutput.LISTEN.matcher(l).matches()).as(l).isTrue());
        assertThat(DemoOutput.result(section, "client1")).contains("read 32100 echoed bytes back, then closed");
        assertThat(DemoOutput.result(section, "server1")).contains("echoed 32100 bytes").contains("read returned -1");
        assertThat(DemoOutput.result(section, "client2"))
                .contains("read 32100 echoed bytes back, shut down output, read returned -1");
        assertThat(DemoOutput.result(section, "server2")).contains("echoed 32100 bytes").contains("read returned -1");
        assertThat(DemoOutput.result(section, "client3"))
                .containsPattern("connect\\(\\) returned (true|false), connected after \\d+ finishConnect\\(\\) call")
                .endsWith("read 50 echoed bytes back, then closed with SO_LINGER 0");
        assertThat(DemoOutput.result(section, "server3"))
                .startsWith("   server3: echoed 50 bytes, then read failed after ")
                .endsWith("java.net.SocketException: Connection reset");

        Matcher client4 = Pattern.compile("wrote 8388608 bytes .*; (\\d+) short writes .* the longest wait for "
                + "OP_WRITE was (\\d+) ms$").matcher(DemoOutput.result(section, "client4"));
        assertThat(client4.find()).isTrue();
        assertThat(Integer.parseInt(client4.group(1))).isPositive();
        assertThat(Long.parseLong(client4.group(2))).isGreaterThanOrEqualTo(750);
        assertThat(DemoOutput.result(section, "server4")).contains("then read 8388608 bytes and end of stream");
    }

    @Test
    void async() {
        List<String> section = sections.get("async");

        assertThat(socketRoles(section)).containsExactly("client1", "server1", "client2", "server2");
        assertThat(DemoOutput.result(section, "client1")).contains("read 1000 echoed bytes back (Future)");
        assertThat(DemoOutput.result(section, "server1")).contains("echoed 1000 bytes (CompletionHandler)")
                .contains("read returned -1");
        String client2 = DemoOutput.result(section, "client2");
        assertThat(client2).contains("failed after").contains(": java.nio.channels.InterruptedByTimeoutException");
        assertThat(DemoOutput.elapsedMillis(client2)).isBetween(450.0, 2000.0);
        assertThat(DemoOutput.result(section, "server2")).contains("wrote nothing; read returned -1");
        assertThat(DemoOutput.result(section, "group")).contains("terminated");
    }

    @Test
    void virtualThreads() {
        List<String> section = sections.get("virtual-threads");

        if (Runtime.version().feature() < 21) {
            assertThat(section.subList(2, section.size())).containsExactly("   skipped: virtual threads need JDK 21 "
                    + "or newer (this is " + System.getProperty("java.version") + ")");
            Requirements.require(Requirement.jdk(21));
        }
        assertThat(socketRoles(section)).containsExactly("client1", "server1");
        assertThat(DemoOutput.result(section, "client1")).endsWith("on virtual thread virtual-threads-client1");
        assertThat(DemoOutput.result(section, "server1")).contains("read returned -1")
                .containsPattern("on virtual thread virtual-threads-handler\\d+$");
        assertThat(DemoOutput.result(section, "summary")).isEqualTo("   summary: 20 connections echoed on virtual threads");
    }

    /** The roles of a section's socket lines, in order; each line parses and has real ports. */
    private static List<String> socketRoles(List<String> section) {
        List<String> roles = new ArrayList<>();
        for (String line : section) {
            Matcher m = DemoOutput.SOCKET.matcher(line);
            if (m.matches()) {
                assertThat(Integer.parseInt(m.group(3))).as(line).isPositive();
                assertThat(Integer.parseInt(m.group(5))).as(line).isPositive();
                roles.add(m.group(1));
            }
        }
        return roles;
    }

    /** The port of the section's one listen line, which must parse. */
    private static int listenPort(List<String> section) {
        Matcher listen = DemoOutput.LISTEN.matcher(lineStarting(section, "   listen server "));
        assertThat(listen.matches()).isTrue();
        assertThat(listen.group(2)).isEqualTo("127.0.0.1");
        int port = Integer.parseInt(listen.group(3));
        assertThat(port).isPositive();
        return port;
    }

    private static String lineStarting(List<String> section, String prefix) {
        return section.stream().filter(l -> l.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no line " + prefix + " in " + section.stream()
                        .collect(Collectors.joining("\n"))));
    }
}
