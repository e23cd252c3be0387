package io.socktrace.correlator;

import static io.socktrace.correlator.TestCaptures.fixture;
import static io.socktrace.correlator.TestCaptures.flows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.socktrace.correlator.flow.TcpFlow;
import io.socktrace.correlator.join.Correlation;
import io.socktrace.correlator.jvm.RecordingReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Flows that finish while the recording is still being read wait, at most a bounded number, and join as before. */
class BackgroundRecordingsTest {
    @TempDir
    Path temp;

    @Test
    void offer_anyNumberWaiting_joinsAsTheDirectJoinDoes() throws Exception {
        Path jfr = fixture("demo/demo.jfr");
        List<TcpFlow> flows = flows(fixture("demo/demo.pcap"));
        String direct = io.socktrace.correlator.report.TextReport.of(Correlation.of(RecordingReader.read(jfr), flows));
        assertThat(flows).hasSize(24);

        for (int maxWaiting : new int[] {0, 1, 5, 1000}) {
            BackgroundRecordings background = BackgroundRecordings.start(List.of(jfr), maxWaiting);
            for (TcpFlow flow : flows) {
                background.offer(flow);
            }
            assertThat(io.socktrace.correlator.report.TextReport.of(background.finish().build())).as("at most %d waiting", maxWaiting).isEqualTo(direct);
            assertThat(background.threadsAlive()).as("threads after finish").isFalse();
            background.close();
        }
    }

    @Test
    void close_midCapture_endsTheThreads() throws Exception {
        Path jfr = fixture("demo/demo.jfr");
        List<TcpFlow> flows = flows(fixture("demo/demo.pcap"));
        // the capture failed half way: close without finish, with the joining thread started or not
        for (int maxWaiting : new int[] {0, 1000}) {
            BackgroundRecordings background = BackgroundRecordings.start(List.of(jfr), maxWaiting);
            for (TcpFlow flow : flows.subList(0, 10)) {
                background.offer(flow);
            }
            background.close();
            assertThat(background.threadsAlive()).as("at most %d waiting", maxWaiting).isFalse();
        }
    }

    @Test
    void offer_recordingUnreadable_failsNamingIt() throws Exception {
        Path bad = Files.write(temp.resolve("bad.jfr"), new byte[] {'F', 'L', 'R', 0, 0, 2});
        List<TcpFlow> flows = flows(fixture("demo/demo.pcap"));

        // Whether a flow is offered before or after the read has failed depends on the threads;
        // once the failure is known, both the capture side and the end report it.
        BackgroundRecordings failed = BackgroundRecordings.start(List.of(bad), Integer.MAX_VALUE);
        assertThat(failed.failure()).hasMessageStartingWith(bad + ": not a readable JFR recording");
        assertThatThrownBy(() -> failed.offer(flows.get(0))).isInstanceOf(BackgroundRecordings.Failed.class)
                .hasMessageStartingWith(bad + ": not a readable JFR recording");
        assertThatThrownBy(failed::finish).isInstanceOf(RecordingReader.RecordingException.class)
                .hasMessageStartingWith(bad + ": not a readable JFR recording");

        // A read still going when the flows come: they are kept, and the failure comes at the end.
        CountDownLatch flowsOffered = new CountDownLatch(1);
        BackgroundRecordings slow = BackgroundRecordings.start(() -> {
            flowsOffered.await();
            return RecordingReader.read(bad);
        }, Integer.MAX_VALUE);
        for (TcpFlow flow : flows) {
            slow.offer(flow);
        }
        flowsOffered.countDown();
        assertThatThrownBy(slow::finish).isInstanceOf(RecordingReader.RecordingException.class)
                .hasMessageStartingWith(bad + ": not a readable JFR recording");

        BackgroundRecordings noRoom = BackgroundRecordings.start(List.of(bad), 0);
        assertThatThrownBy(() -> noRoom.offer(flows.get(0))).isInstanceOf(BackgroundRecordings.Failed.class)
                .hasMessageStartingWith(bad + ": not a readable JFR recording");
        assertThat(noRoom.failure()).hasMessageStartingWith(bad + ": not a readable JFR recording");
    }
}
