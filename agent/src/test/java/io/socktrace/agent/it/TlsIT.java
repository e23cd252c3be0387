package io.socktrace.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.agent.it.AgentJvm.Result;
import io.socktrace.agent.it.programs.TlsExchanges;
import io.socktrace.events.EventFields;
import io.socktrace.events.EventNames;
import io.socktrace.events.SettingsFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * TLS over {@code SSLSocket}: the JDK's TLS close writes its close_notify and, when the peer has
 * already gone, meets a broken pipe that it swallows. Clean exchanges must not look broken: no
 * Close AFTER_ERROR, no reset counted, and what the socket met recorded as handled inside the JDK;
 * the side whose close_notify met the broken pipe closed second, and says PEER. Both protocol
 * versions, both closing orders, on the JDK the build runs on.
 */
class TlsIT {

    private static final int EXCHANGES = 6;
    private static final int SAMPLED_EXCHANGES = 20;
    private static Path keystore;

    @BeforeAll
    static void keystore() throws Exception {
        Files.createDirectories(AgentJvm.WORK);
        Path dir = Files.createTempDirectory(AgentJvm.WORK, "tls");
        keystore = dir.resolve("server.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-validity", "30", "-storetype", "PKCS12", "-keystore", keystore.toString(),
                "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
        try {
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as(output).isZero();
        } finally {
            p.destroyForcibly();
        }
    }

    /** Profile settings with EndpointStatistics every second, which the program's last pause lets close. */
    private static Path settings(String sampling) throws Exception {
        String jfc = SettingsFiles.jfc(sampling == null ? "profile" : "default", false);
        if (sampling != null) {
            jfc = jfc.replace("<setting name=\"" + SettingsFiles.SAMPLING_CONNECTIONS + "\">100/s</setting>",
                    "<setting name=\"" + SettingsFiles.SAMPLING_CONNECTIONS + "\">" + sampling + "</setting>");
            assertThat(jfc).contains(">" + sampling + "<");
        }
        jfc = jfc.replaceAll("(<event name=\"" + Pattern.quote(EventNames.ENDPOINT_STATISTICS)
                + "\">\\s*<setting name=\"enabled\">true</setting>\\s*<setting name=\"period\">)[^<]*", "$11 s");
        Path file = Files.createTempFile(AgentJvm.WORK, "tls", ".jfc");
        Files.writeString(file, jfc, StandardCharsets.UTF_8);
        return file;
    }

    private static Result run(Path settings, String protocol, String closer) throws Exception {
        return run(settings, protocol, closer, EXCHANGES);
    }

    private static Result run(Path settings, String protocol, String closer, int exchanges) throws Exception {
        Result r = AgentJvm.program(TlsExchanges.class, "settings=" + settings, keystore.toString(), protocol, closer,
                Integer.toString(exchanges));
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        assertThat(r.stdout).doesNotContain("failed").contains("done");
        for (int i = 0; i < exchanges; i++) {
            assertThat(r.stdout).contains("client got: reply to request " + i + " (" + protocol + ")");
        }
        assertThat(r.stderr).as("nothing from the agent").isEmpty();
        return r;
    }

    private static int serverPort(Result r) {
        Matcher m = Pattern.compile("server port (\\d+)").matcher(r.stdout);
        assertThat(m.find()).isTrue();
        return Integer.parseInt(m.group(1));
    }

    @ParameterizedTest(name = "{0}, {1} closes first")
    @CsvSource({"TLSv1.3, server", "TLSv1.3, client", "TLSv1.2, server", "TLSv1.2, client"})
    void cleanTlsExchanges_noResetCounted_noCloseAfterError(String protocol, String closer) throws Exception {
        Result r = run(settings(null), protocol, closer);
        int port = serverPort(r);

        List<RecordedEvent> closes = r.events(EventNames.CLOSE);
        // every connection's both ends, and nothing else
        assertThat(closes).hasSize(2 * EXCHANGES);
        assertThat(closes).extracting(e -> e.getString(EventFields.INITIATOR)).as("%s", closes)
                .allMatch(i -> i.equals("LOCAL") || i.equals("PEER"));
        List<RecordedEvent> clientCloses = r.events(EventNames.CLOSE, e -> e.getInt(EventFields.PORT) == port);
        List<RecordedEvent> serverCloses = r.events(EventNames.CLOSE, e -> e.getInt(EventFields.PORT) != port);
        assertThat(clientCloses).hasSize(EXCHANGES);
        // the side that closes first knows it: nothing had told it the peer closed
        if (closer.equals("server")) {
            assertThat(serverCloses).extracting(e -> e.getString(EventFields.INITIATOR)).containsOnly("LOCAL");
            // the client never read the server's close_notify nor its end of stream: its TLS close
            // met a broken pipe (1.3), or the kernel held the server's FIN when it began (1.2)
            assertThat(clientCloses).extracting(e -> e.getString(EventFields.INITIATOR)).containsOnly("PEER");
            assertThat(clientCloses).extracting(e -> e.getString(EventFields.INITIATOR_EVIDENCE))
                    .containsOnly(protocol.equals("TLSv1.3") ? "TLS_CLOSE" : "FIN_UNREAD");
        } else {
            // The server read the client's close_notify (end of stream at the TLS level) and closed
            // at once, while the client's TLS close was still sending or waiting: on the wire the two
            // FINs cross, so either side may be first there, and is said to be from the kernel's view.
            assertThat(clientCloses).extracting(e -> e.getString(EventFields.INITIATOR)).containsOnly("LOCAL");
        }

        // what the TLS close met is there, marked as the JDK's own: each one proves the peer had gone
        List<RecordedEvent> resets = r.events(EventNames.RESET);
        assertThat(resets).as("%s", resets).allSatisfy(e -> {
            assertThat(e.getBoolean(EventFields.HANDLED_BY_JDK)).isTrue();
            assertThat(e.getString(EventFields.OPERATION)).isIn("WRITE", "READ");
        });
        for (RecordedEvent reset : resets) {
            long id = reset.getLong(EventFields.CONNECTION_ID);
            RecordedEvent close = single(closes, id);
            assertThat(close.getString(EventFields.INITIATOR)).as("closed after a peer that had gone").isEqualTo("PEER");
        }
        if (protocol.equals("TLSv1.3") && closer.equals("server")) {
            // measured on 17 and 25: the client's close_notify after the server's close meets a broken pipe, every time
            assertThat(resets).extracting(e -> e.getInt(EventFields.PORT)).containsOnly(port);
            assertThat(resets).hasSize(EXCHANGES);
        }
        List<RecordedEvent> failedSends = r.events(EventNames.SEND, e -> !e.getString(EventFields.OUTCOME).equals("OK"));
        assertThat(failedSends).as("%s", failedSends).allSatisfy(e -> assertThat(e.getBoolean(EventFields.HANDLED_BY_JDK)).isTrue());
        List<RecordedEvent> failedReceives = r.events(EventNames.RECEIVE, e -> !e.getString(EventFields.OUTCOME).matches("OK|EOF"));
        assertThat(failedReceives).as("%s", failedReceives)
                .allSatisfy(e -> assertThat(e.getBoolean(EventFields.HANDLED_BY_JDK)).isTrue());

        // and the exact counts agree: no reset, no close after an error
        List<RecordedEvent> statistics = r.events(EventNames.ENDPOINT_STATISTICS);
        assertThat(statistics).isNotEmpty();
        assertThat(statistics.stream().mapToLong(e -> e.getLong(EventFields.RESETS)).sum()).isZero();
        assertThat(statistics.stream().mapToLong(e -> e.getLong(EventFields.CLOSED_AFTER_ERROR)).sum()).isZero();
        assertThat(statistics.stream().mapToLong(e -> e.getLong(EventFields.CLOSED_ABORT)).sum()).isZero();
    }

    @ParameterizedTest(name = "{0}, sampled at 1/s")
    @CsvSource({"TLSv1.3", "TLSv1.2"})
    void underTheDefaults_aTlsCloseAfterThePeer_isNotAnAbnormalEvent(String protocol) throws Exception {
        Result r = run(settings("1/s"), protocol, "server", SAMPLED_EXCHANGES);
        int port = serverPort(r);
        // one client connection a second is sampled (and any connect slower than 1 ms recorded):
        // the rest must leave nothing, however their TLS close went
        List<RecordedEvent> connects = r.events(EventNames.CONNECT, e -> e.getInt(EventFields.PORT) == port);
        assertThat(connects).isNotEmpty().hasSizeLessThan(SAMPLED_EXCHANGES);
        List<RecordedEvent> clientCloses = r.events(EventNames.CLOSE, e -> e.getInt(EventFields.PORT) == port);
        assertThat(clientCloses).extracting(e -> e.getLong(EventFields.CONNECTION_ID))
                .containsExactlyInAnyOrderElementsOf(connects.stream().map(e -> e.getLong(EventFields.CONNECTION_ID)).toList());
        assertThat(r.events(EventNames.RESET)).allSatisfy(e -> {
            assertThat(e.getBoolean(EventFields.HANDLED_BY_JDK)).isTrue();
            assertThat(connects).extracting(c -> c.getLong(EventFields.CONNECTION_ID)).contains(e.getLong(EventFields.CONNECTION_ID));
        });
        assertThat(r.events(EventNames.CLOSE, e -> e.getString(EventFields.INITIATOR).equals("AFTER_ERROR"))).isEmpty();
        List<RecordedEvent> statistics = r.events(EventNames.ENDPOINT_STATISTICS);
        assertThat(statistics).isNotEmpty();
        // every close counted, those not recorded included
        assertThat(statistics.stream().mapToLong(e -> e.getLong(EventFields.CLOSED_LOCAL) + e.getLong(EventFields.CLOSED_PEER)).sum())
                .isEqualTo(2L * SAMPLED_EXCHANGES);
        assertThat(statistics.stream().mapToLong(e -> e.getLong(EventFields.CONNECTIONS_NOT_RECORDED)).sum()).isPositive();
        assertThat(statistics.stream().mapToLong(e -> e.getLong(EventFields.RESETS)).sum()).isZero();
        assertThat(statistics.stream().mapToLong(e -> e.getLong(EventFields.CLOSED_AFTER_ERROR)).sum()).isZero();
        assertThat(statistics.stream().mapToLong(e -> e.getLong(EventFields.CLOSED_ABORT)).sum()).isZero();
    }

    @ParameterizedTest(name = "HttpClient over HTTPS, {0}, {1}")
    @CsvSource({"TLSv1.3, close", "TLSv1.3, keep-alive", "TLSv1.2, close", "TLSv1.2, keep-alive"})
    void theJdkHttpClientOverHttps_sslEngineOnChannels_isClean(String protocol, String connection) throws Exception {
        int requests = 4;
        Result r = AgentJvm.program(io.socktrace.agent.it.programs.HttpsExchanges.class, "settings=" + settings(null),
                keystore.toString(), protocol, connection, Integer.toString(requests));
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        for (int i = 0; i < requests; i++) {
            assertThat(r.stdout).contains("response " + i + ": 200 3000 bytes");
        }
        assertThat(r.stdout).contains("done");
        assertThat(r.stderr).as("nothing from the agent").isEmpty();
        int port = serverPort(r);
        List<RecordedEvent> connects = r.events(EventNames.CONNECT, e -> e.getInt(EventFields.PORT) == port);
        assertThat(connects).hasSize(connection.equals("close") ? requests : 1)
                .extracting(e -> e.getString(EventFields.OUTCOME)).containsOnly("CONNECTED");
        List<RecordedEvent> closes = r.events(EventNames.CLOSE);
        assertThat(closes).as("%s", closes).hasSize(2 * connects.size());
        List<RecordedEvent> clientCloses = r.events(EventNames.CLOSE, e -> e.getInt(EventFields.PORT) == port);
        if (Runtime.version().feature() < 21) {
            // measured on 17: the server closed each connection first (Connection: close, or its
            // stop) and the client read it: PEER; the server LOCAL
            assertThat(clientCloses).extracting(e -> e.getString(EventFields.INITIATOR)).containsOnly("PEER");
            assertThat(closes).extracting(e -> e.getString(EventFields.INITIATOR)).containsOnly("LOCAL", "PEER");
        } else {
            // JDK 25's HTTP client and server, after Connection: close, close their channels with the
            // other side's close_notify (one TLS alert record) unread, about half the time on each
            // side: the kernel answers those bytes with RST, a real abort on the wire, recorded as
            // what it is; the rest LOCAL or PEER
            assertThat(closes).as("%s", closes).allSatisfy(e -> {
                if (e.getString(EventFields.INITIATOR).equals("ABORT")) {
                    assertThat(connection).isEqualTo("close");
                    assertThat(e.getString(EventFields.INITIATOR_EVIDENCE)).isEqualTo("UNREAD_INPUT");
                    assertThat(e.getLong(EventFields.UNREAD_BYTES)).isBetween(1L, 64L);
                } else {
                    assertThat(e.getString(EventFields.INITIATOR)).isIn("LOCAL", "PEER");
                }
            });
        }
        List<RecordedEvent> resets = r.events(EventNames.RESET);
        assertThat(resets).as("%s", resets).allSatisfy(e -> assertThat(e.getBoolean(EventFields.HANDLED_BY_JDK)).isTrue());
        List<RecordedEvent> statistics = r.events(EventNames.ENDPOINT_STATISTICS);
        assertThat(statistics.stream().mapToLong(e -> e.getLong(EventFields.CLOSED_AFTER_ERROR) + e.getLong(EventFields.RESETS)).sum())
                .isZero();
    }

    private static RecordedEvent single(List<RecordedEvent> events, long connectionId) {
        List<RecordedEvent> of = events.stream().filter(e -> e.getLong(EventFields.CONNECTION_ID) == connectionId).toList();
        assertThat(of).hasSize(1);
        return of.get(0);
    }
}
