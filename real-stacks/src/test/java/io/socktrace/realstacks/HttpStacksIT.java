package io.socktrace.realstacks;

import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.events.EventFields;
import io.socktrace.events.EventNames;
import io.socktrace.realstacks.programs.HttpStacks;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.Test;

/**
 * Jetty 12 and three real HTTP clients with keep-alive under the agent: the same responses with and
 * without it; every connection Jetty opened is one Accept and one Connect of the recording, port
 * for port; each connection's two Closes agree on who closed first (one LOCAL, one PEER: the bug
 * where both sides said LOCAL is what this guards); no leaks; the agent prints nothing.
 */
class HttpStacksIT {

    private static final Pattern SERVER_CONNECTION = Pattern.compile("^   server connection (\\d+)$", Pattern.MULTILINE);
    private static final Pattern JETTY = Pattern.compile("^   target jetty 127\\.0\\.0\\.1:(\\d+)$", Pattern.MULTILINE);

    @Test
    void jettyWithHttpClient5OkHttpAndJdkClient_sameResults_connectionsPortForPort() throws Exception {
        StackJvm.Run traced = StackJvm.plainAndTraced(HttpStacks.class);
        String three = "200 hello;200 hello;200 hello;";
        assertThat(traced.results()).containsExactly("result httpclient5 " + three, "result httpclient5 die: failed", "result okhttp " + three,
                        "result okhttp die: failed", "result jdk-httpclient " + three, "result jdk-httpclient die: failed");

        int jetty = traced.port(JETTY);
        Set<Integer> logged = traced.ports(SERVER_CONNECTION);
        assertThat(logged).as("a keep-alive connection per client (/die kills it; a client may retry on a new one)").hasSizeGreaterThanOrEqualTo(3);
        List<RecordedEvent> accepts = traced.events(EventNames.ACCEPT).stream()
                .filter(e -> e.getInt(EventFields.LOCAL_PORT) == jetty).collect(Collectors.toList());
        assertThat(accepts.stream().map(e -> e.getInt(EventFields.PORT)).collect(Collectors.toList()))
                .as("accepted, port for port with Jetty's log").containsExactlyInAnyOrderElementsOf(logged);
        List<RecordedEvent> connects = traced.events(EventNames.CONNECT).stream()
                .filter(e -> e.getInt(EventFields.PORT) == jetty).collect(Collectors.toList());
        assertThat(connects.stream().map(e -> e.getInt(EventFields.LOCAL_PORT)).collect(Collectors.toList()))
                .as("connected, port for port with Jetty's log").containsExactlyInAnyOrderElementsOf(logged);
        assertThat(connects).allSatisfy(e -> assertThat(e.getString(EventFields.OUTCOME)).isEqualTo("CONNECTED"));

        Map<Integer, List<RecordedEvent>> closesByClientPort = traced.events(EventNames.CLOSE).stream()
                .filter(e -> e.getInt(EventFields.PORT) == jetty || e.getInt(EventFields.LOCAL_PORT) == jetty)
                .collect(Collectors.groupingBy(e -> e.getInt(EventFields.PORT) == jetty ? e.getInt(EventFields.LOCAL_PORT) : e.getInt(EventFields.PORT)));
        for (int client : logged) {
            List<RecordedEvent> closes = closesByClientPort.getOrDefault(client, List.of());
            // the JDK 17 HttpClient cannot be closed: its connection ends with the JVM, Jetty's side at its stop
            if (closes.size() == 2 && closes.stream().anyMatch(e -> e.getString(EventFields.INITIATOR).equals("ABORT")
                    && e.getInt(EventFields.LOCAL_PORT) == jetty)) {
                // the server died mid-response: its abort, and the client learnt of it as a reset
                assertThat(closes.stream().filter(e -> e.getInt(EventFields.PORT) == jetty).findFirst().orElseThrow()
                        .getString(EventFields.INITIATOR)).isIn("AFTER_ERROR", "PEER");
            } else if (closes.size() == 2) {
                List<String> initiators = closes.stream().map(e -> e.getString(EventFields.INITIATOR)).sorted().collect(Collectors.toList());
                assertThat(initiators).as("who closed connection %d first, from both ends: %s", client, closes)
                        .isIn(List.of("LOCAL", "PEER"), List.of("ABORT", "PEER"), List.of("ABORT", "LOCAL"));
            } else {
                assertThat(closes).as("closes of connection %d", client).hasSize(1);
            }
        }
        assertThat(traced.events(EventNames.LEAK)).isEmpty();

        // every connection the server aborted: a Reset on the client's end of it, port for port
        List<Integer> aborted = traced.events(EventNames.CLOSE).stream()
                .filter(e -> e.getInt(EventFields.LOCAL_PORT) == jetty && e.getString(EventFields.INITIATOR).equals("ABORT"))
                .map(e -> e.getInt(EventFields.PORT)).sorted().collect(Collectors.toList());
        assertThat(aborted).as("the /die connections, at least one per client").hasSizeGreaterThanOrEqualTo(3);
        List<RecordedEvent> resets = traced.events(EventNames.RESET).stream()
                .filter(e -> e.getInt(EventFields.PORT) == jetty).collect(Collectors.toList());
        assertThat(resets.stream().map(e -> e.getInt(EventFields.LOCAL_PORT)).sorted().collect(Collectors.toList()))
                .as("resets seen by the clients: %s", resets).isEqualTo(aborted);
        assertThat(resets).allSatisfy(e -> assertThat(e.getString(EventFields.KIND)).isEqualTo("CONNECTION_RESET"));
    }
}
