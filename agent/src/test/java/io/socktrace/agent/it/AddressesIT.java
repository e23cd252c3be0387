package io.socktrace.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.agent.it.AgentJvm.Endpoints;
import io.socktrace.agent.it.AgentJvm.Result;
import io.socktrace.agent.it.programs.Ipv6Endpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Addresses recorded as the application has them: wildcard listeners keep their wildcard, an IPv6
 * scope stays with the connection that used it and no other, and {@code summary} writes IPv6
 * endpoints in brackets. Needs {@code ::1} on loopback.
 */
class AddressesIT {
    private static final Pattern LISTENER = Pattern.compile("^   listener (\\S+) (\\S+):(\\d+)$", Pattern.MULTILINE);

    private static Result run;
    private static Path recording;

    @BeforeAll
    static void runTheProgram() throws Exception {
        Files.createDirectories(AgentJvm.WORK);
        recording = AgentJvm.WORK.resolve("addresses-" + System.nanoTime() + ".jfr");
        run = AgentJvm.exec(List.of(AgentJvm.JAVA, "-javaagent:" + AgentJvm.AGENT_JAR + "=recording=" + recording, "-cp",
                AgentJvm.TEST_CLASSES.toString(), Ipv6Endpoints.class.getName()), recording);
        assertThat(run.exitCode).as(run.stdout + run.stderr).isZero();
    }

    private static String[] listener(String role) {
        Matcher m = LISTENER.matcher(run.stdout);
        while (m.find()) {
            if (m.group(1).equals(role)) {
                return new String[] {m.group(2), m.group(3)};
            }
        }
        throw new AssertionError("no listener " + role + " in\n" + run.stdout);
    }

    @Test
    void wildcardListeners_keepTheWildcard_onListenAndAccept() {
        for (String role : List.of("socket", "channel")) {
            String[] bound = listener(role);
            List<RecordedEvent> listens = run.events("socktrace.Listen", e -> e.getInt("localPort") == Integer.parseInt(bound[1]));
            assertThat(listens).as(role).hasSize(1);
            // the kernel's wildcard: a dual-stack socket the JDK reports as 0.0.0.0 is bound to ::
            assertThat(listens.get(0).getString("localAddress")).as(role).isIn("0.0.0.0", "0:0:0:0:0:0:0:0");
        }
        String[] socket = listener("socket");
        String recorded = run.events("socktrace.Listen", e -> e.getInt("localPort") == Integer.parseInt(socket[1])).get(0)
                .getString("localAddress");
        List<RecordedEvent> accepts = run.events("socktrace.Accept");
        assertThat(accepts).hasSize(2);
        for (RecordedEvent accept : accepts) {
            assertThat(accept.getString("listenAddress")).isEqualTo(recorded);
            assertThat(accept.getInt("listenPort")).isEqualTo(Integer.parseInt(socket[1]));
            // the accepted connection's own local address is the one its packets carry, not the wildcard
            assertThat(accept.getString("localAddress")).isEqualTo("0:0:0:0:0:0:0:1");
        }
    }

    @Test
    void ipv6Scope_staysWithTheConnectionThatUsedIt() {
        Endpoints scoped = run.socket("scoped");
        Endpoints plain = run.socket("plain");
        assertThat(scoped.remoteAddress).isEqualTo("0:0:0:0:0:0:0:1%lo");
        assertThat(plain.remoteAddress).isEqualTo("0:0:0:0:0:0:0:1");
        assertThat(run.single("socktrace.Connect", scoped).getString("address")).isEqualTo(scoped.remoteAddress);
        for (String event : List.of("socktrace.Connect", "socktrace.Close")) {
            RecordedEvent e = run.single(event, plain);
            assertThat(e.getString("address")).as(event).isEqualTo("0:0:0:0:0:0:0:1");
            assertThat(e.getString("localAddress")).as(event).isEqualTo(plain.localAddress);
        }
    }

    @Test
    void summary_writesIpv6EndpointsInBrackets_andWildcardListeners() throws Exception {
        Result summary = AgentJvm.exec(List.of(AgentJvm.JAVA, "-jar", AgentJvm.AGENT_JAR.toString(), "summary", recording.toString()), null);
        assertThat(summary.exitCode).as(summary.stderr).isZero();
        Endpoints plain = run.socket("plain");
        assertThat(summary.stdout).contains("[0:0:0:0:0:0:0:1]:" + plain.localPort + " -> [0:0:0:0:0:0:0:1]:" + plain.remotePort);
        String[] socket = listener("socket");
        String recorded = run.events("socktrace.Listen", e -> e.getInt("localPort") == Integer.parseInt(socket[1])).get(0)
                .getString("localAddress");
        String wildcard = recorded.contains(":") ? "[" + recorded + "]" : recorded;
        assertThat(summary.stdout).contains("listening on " + wildcard + ":" + socket[1]);
        assertThat(summary.stdout.lines().filter(l -> l.contains("listening on ?")).collect(Collectors.toList())).isEmpty();
    }
}
