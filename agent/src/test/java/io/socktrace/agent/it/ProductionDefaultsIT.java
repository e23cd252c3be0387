package io.socktrace.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.agent.it.AgentJvm.Endpoints;
import io.socktrace.agent.it.AgentJvm.Result;
import io.socktrace.agent.it.programs.ProductionChurn;
import io.socktrace.agent.it.programs.RefusedStorm;
import io.socktrace.events.EventFields;
import io.socktrace.events.EventNames;
import io.socktrace.events.SettingsFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.Test;

/**
 * The production defaults under the real agent: a churn of 20,000 connections records at most the
 * sampling rate's worth of normal connections, each whole (its Close with it), while every abnormal
 * connection in the middle of it is recorded and EndpointStatistics counts all 20,000 exactly;
 * {@code settings=profile} records every connection.
 */
class ProductionDefaultsIT {

    private static final int CHURN = 20_000;
    private static final long RATE = 100;

    /** The default settings with EndpointStatistics every second, so the run's last period closes before it exits. */
    private static Path defaultsWithFastStatistics() throws Exception {
        String jfc = SettingsFiles.jfc("default", false).replace("<event name=\"" + EventNames.ENDPOINT_STATISTICS + "\">\n"
                + "    <setting name=\"enabled\">true</setting>\n    <setting name=\"period\">10 s</setting>",
                "<event name=\"" + EventNames.ENDPOINT_STATISTICS + "\">\n"
                + "    <setting name=\"enabled\">true</setting>\n    <setting name=\"period\">1 s</setting>");
        assertThat(jfc).contains("<setting name=\"period\">1 s</setting>");
        Files.createDirectories(AgentJvm.WORK);
        Path file = Files.createTempFile(AgentJvm.WORK, "defaults-1s", ".jfc");
        Files.writeString(file, jfc, StandardCharsets.UTF_8);
        return file;
    }

    private static int churnPort(Result r) {
        Matcher m = Pattern.compile("churn port (\\d+)").matcher(r.stdout);
        assertThat(m.find()).as(r.stdout).isTrue();
        return Integer.parseInt(m.group(1));
    }

    @Test
    void defaults_sampleTheChurn_recordEveryAbnormalConnection_andCountAllExactly() throws Exception {
        Result r = AgentJvm.program(ProductionChurn.class, "settings=" + defaultsWithFastStatistics(), Integer.toString(CHURN), "2.5");
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        assertThat(r.stdout).contains("churn connections " + CHURN);
        int port = churnPort(r);

        // sampled: normal connects to the churn listener within the rate, over the seconds they took
        List<RecordedEvent> churnConnects = r.events(EventNames.CONNECT, e -> e.getInt(EventFields.PORT) == port);
        List<RecordedEvent> churnAccepts = r.events(EventNames.ACCEPT,
                e -> e.getInt(EventFields.LISTEN_PORT) == port && "ACCEPTED".equals(e.getString(EventFields.OUTCOME)));
        Instant first = churnConnects.stream().map(RecordedEvent::getStartTime).min(Instant::compareTo).orElseThrow();
        Instant last = churnConnects.stream().map(RecordedEvent::getEndTime).max(Instant::compareTo).orElseThrow();
        long windows = Duration.between(first, last).toSeconds() + 2; // fixed one-second windows: a partial one at each end
        List<RecordedEvent> fastConnects = churnConnects.stream()
                .filter(e -> e.getDuration().toNanos() < 1_000_000).collect(Collectors.toList());
        assertThat(fastConnects).as("normal connects recorded in %d windows", windows).isNotEmpty().hasSizeLessThanOrEqualTo((int) (RATE * windows));
        assertThat(churnAccepts).isNotEmpty().hasSizeLessThanOrEqualTo((int) (RATE * windows));
        assertThat(churnConnects.size()).as("recorded connects of %d", CHURN).isLessThan(CHURN / 4);
        // every recorded connection tells its whole story: each recorded Connect has its Close, and
        // nothing else of the churn is recorded (its closes are all clean)
        Set<Long> connectIds = churnConnects.stream().map(e -> e.getLong(EventFields.CONNECTION_ID)).collect(Collectors.toSet());
        Set<Long> clientCloses = r.events(EventNames.CLOSE, e -> e.getInt(EventFields.PORT) == port).stream()
                .map(e -> e.getLong(EventFields.CONNECTION_ID)).collect(Collectors.toSet());
        assertThat(clientCloses).isEqualTo(connectIds);
        Set<Long> acceptIds = churnAccepts.stream().map(e -> e.getLong(EventFields.CONNECTION_ID)).collect(Collectors.toSet());
        Set<Long> serverCloses = r.events(EventNames.CLOSE, e -> e.getInt(EventFields.LOCAL_PORT) == port).stream()
                .map(e -> e.getLong(EventFields.CONNECTION_ID)).collect(Collectors.toSet());
        assertThat(serverCloses).isEqualTo(acceptIds);

        // abnormal: each recorded, in the middle of the churn
        assertThat(r.events(EventNames.CONNECT, e -> e.getInt(EventFields.PORT) == r.target("refused").remotePort))
                .extracting(e -> e.getString(EventFields.OUTCOME)).containsExactly("REFUSED");
        Endpoints reset = r.socket("reset");
        assertThat(r.events(EventNames.RESET, reset::matches)).extracting(e -> e.getString(EventFields.KIND))
                .containsExactly("CONNECTION_RESET");
        assertThat(r.single(EventNames.CLOSE, r.socket("abort")).getString(EventFields.INITIATOR)).isEqualTo("ABORT");
        RecordedEvent slow = r.single(EventNames.CONNECT, r.socket("slow"));
        assertThat(slow.getString(EventFields.OUTCOME)).isEqualTo("CONNECTED");
        assertThat(slow.getDuration()).isGreaterThan(Duration.ofMillis(500));
        RecordedEvent closeWait = r.single(EventNames.CLOSE, r.socket("closewait"));
        assertThat(closeWait.getString(EventFields.INITIATOR)).isEqualTo("PEER");
        assertThat(closeWait.getDuration(EventFields.CLOSE_WAIT_TIME)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));

        // counted: every connection, exactly
        List<RecordedEvent> remote = r.events(EventNames.ENDPOINT_STATISTICS,
                e -> "REMOTE".equals(e.getString(EventFields.ROLE)) && e.getInt(EventFields.PORT) == port);
        List<RecordedEvent> listener = r.events(EventNames.ENDPOINT_STATISTICS,
                e -> "LISTENER".equals(e.getString(EventFields.ROLE)) && e.getInt(EventFields.PORT) == port);
        assertThat(sum(remote, EventFields.CONNECTS)).isEqualTo(CHURN);
        assertThat(sum(remote, EventFields.CONNECTED)).isEqualTo(CHURN);
        assertThat(sum(remote, EventFields.CLOSED_LOCAL)).isEqualTo(CHURN);
        assertThat(sum(remote, EventFields.BYTES_WRITTEN)).isEqualTo(CHURN);
        assertThat(sum(remote, EventFields.BYTES_READ)).isEqualTo(CHURN);
        long buckets = EventFields.CONNECT_TIME_BUCKETS.stream().mapToLong(b -> sum(remote, b)).sum();
        assertThat(buckets).isEqualTo(CHURN);
        assertThat(sum(remote, EventFields.CONNECTIONS_NOT_RECORDED)).isEqualTo(CHURN - churnConnects.size());
        assertThat(sum(listener, EventFields.ACCEPTED)).isEqualTo(CHURN);
        assertThat(sum(listener, EventFields.CLOSED_PEER)).isEqualTo(CHURN);
        assertThat(sum(listener, EventFields.BYTES_READ)).isEqualTo(CHURN);
        assertThat(sum(listener, EventFields.CONNECTIONS_NOT_RECORDED)).isEqualTo(CHURN - churnAccepts.size());
        assertThat(listener.get(listener.size() - 1).getLong(EventFields.OPEN_CONNECTIONS)).isZero();
        assertThat(sum(r.events(EventNames.ENDPOINT_STATISTICS, e -> e.getInt(EventFields.PORT) == r.target("refused").remotePort),
                EventFields.REFUSED)).isEqualTo(1);
        assertThat(sum(r.events(EventNames.ENDPOINT_STATISTICS, e -> e.getInt(EventFields.PORT) == reset.remotePort
                && "REMOTE".equals(e.getString(EventFields.ROLE))), EventFields.RESETS)).isEqualTo(1);

        // the sampling in force is in the recording
        RecordedEvent sampling = r.events(EventNames.SAMPLING).get(0);
        assertThat(sampling.getLong(EventFields.CONNECTIONS_PER_SECOND)).isEqualTo(RATE);
        assertThat(sampling.getLong(EventFields.ABNORMAL_PER_SECOND)).isEqualTo(100);
        assertThat(sampling.getDuration(EventFields.SLOW_CONNECT)).isEqualTo(Duration.ofMillis(1));
    }

    /** A failure storm: every refused connect counted, at most the abnormal rate of them recorded, each with its stack. */
    @Test
    void refusedStorm_recordsWithinTheAbnormalRate_andCountsEveryAttempt() throws Exception {
        int count = 5_000;
        Result r = AgentJvm.program(RefusedStorm.class, "settings=" + defaultsWithFastStatistics(), Integer.toString(count), "2.5");
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        assertThat(r.stdout).contains("refused connects " + count);
        Matcher m = Pattern.compile("refused port (\\d+)").matcher(r.stdout);
        assertThat(m.find()).isTrue();
        int port = Integer.parseInt(m.group(1));
        List<RecordedEvent> recorded = r.events(EventNames.CONNECT, e -> e.getInt(EventFields.PORT) == port);
        assertThat(recorded).allMatch(e -> "REFUSED".equals(e.getString(EventFields.OUTCOME)) && e.getStackTrace() != null);
        Instant first = recorded.stream().map(RecordedEvent::getStartTime).min(Instant::compareTo).orElseThrow();
        Instant last = recorded.stream().map(RecordedEvent::getEndTime).max(Instant::compareTo).orElseThrow();
        long windows = Duration.between(first, last).toSeconds() + 2;
        assertThat(recorded).isNotEmpty().hasSizeLessThanOrEqualTo((int) (100 * windows)).hasSizeLessThan(count);
        List<RecordedEvent> rows = r.events(EventNames.ENDPOINT_STATISTICS, e -> e.getInt(EventFields.PORT) == port);
        assertThat(sum(rows, EventFields.REFUSED)).isEqualTo(count);
        assertThat(sum(rows, EventFields.CONNECTS)).isEqualTo(count);
        assertThat(sum(rows, EventFields.EVENTS_NOT_RECORDED)).isEqualTo(count - recorded.size());
    }

    /**
     * The shipped 10-second period, and a JVM that exits 1-2 s after it started: no period came
     * round, yet the counts are in the recording, written at the end of its last chunk.
     */
    @Test
    void defaults_countTheLastPeriod_whenTheJvmExitsBeforeItEnds() throws Exception {
        int count = 700;
        Result r = AgentJvm.program(RefusedStorm.class, "", Integer.toString(count), "0");
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        Matcher m = Pattern.compile("refused port (\\d+)").matcher(r.stdout);
        assertThat(m.find()).isTrue();
        int port = Integer.parseInt(m.group(1));
        List<RecordedEvent> rows = r.events(EventNames.ENDPOINT_STATISTICS, e -> e.getInt(EventFields.PORT) == port);
        assertThat(rows).as("one row, written at the recording's end").hasSize(1);
        assertThat(rows.get(0).getLong(EventFields.REFUSED)).isEqualTo(count);
        assertThat(rows.get(0).getDuration(EventFields.PERIOD)).isPositive().isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void profile_recordsEveryConnection() throws Exception {
        int count = 2_000;
        Result r = AgentJvm.program(ProductionChurn.class, "settings=profile", Integer.toString(count), "1.5");
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        int port = churnPort(r);
        assertThat(r.events(EventNames.CONNECT, e -> e.getInt(EventFields.PORT) == port)).hasSize(count);
        assertThat(r.events(EventNames.ACCEPT, e -> e.getInt(EventFields.LISTEN_PORT) == port
                && "ACCEPTED".equals(e.getString(EventFields.OUTCOME)))).hasSize(count);
        assertThat(r.events(EventNames.CLOSE, e -> e.getInt(EventFields.PORT) == port || e.getInt(EventFields.LOCAL_PORT) == port))
                .hasSize(2 * count);
        assertThat(r.events(EventNames.SAMPLING)).allMatch(e -> e.getLong(EventFields.CONNECTIONS_PER_SECOND) == 0
                && e.getLong(EventFields.ABNORMAL_PER_SECOND) == 0);
        long notRecorded = r.events(EventNames.ENDPOINT_STATISTICS).stream().mapToLong(e -> e.getLong(EventFields.CONNECTIONS_NOT_RECORDED)).sum();
        assertThat(notRecorded).isZero();
    }

    private static long sum(List<RecordedEvent> rows, String field) {
        return rows.stream().mapToLong(e -> e.getLong(field)).sum();
    }
}
