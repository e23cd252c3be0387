package io.socktrace.correlator.join;

import static io.socktrace.correlator.TestCaptures.fixture;
import static io.socktrace.correlator.TestCaptures.flows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.socktrace.correlator.flow.TcpFlow;
import io.socktrace.correlator.jvm.JvmConnection;
import io.socktrace.correlator.jvm.RecordingReader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Both parts run, the helper always ends, its failure comes out on the caller; a split build explains as one thread does. */
class TwoWorkersTest {
    @Test
    void run_bothParts_helperEnded() {
        AtomicBoolean first = new AtomicBoolean();
        AtomicReference<Thread> helper = new AtomicReference<>();
        TwoWorkers.run(() -> {
            helper.set(Thread.currentThread());
            first.set(true);
        }, () -> { });
        assertThat(first).isTrue();
        assertThat(helper.get().isAlive()).isFalse();
        assertThat(helper.get().isDaemon()).isTrue();
    }

    @Test
    void run_helperFails_sameExceptionOnTheCaller_afterItsOwnPart() {
        IllegalStateException boom = new IllegalStateException("boom");
        AtomicBoolean second = new AtomicBoolean();
        assertThatThrownBy(() -> TwoWorkers.run(() -> {
            throw boom;
        }, () -> second.set(true))).isSameAs(boom);
        assertThat(second).isTrue();
    }

    @Test
    void build_split_sameFindingsAndOrderAsOneThread() throws Exception {
        List<JvmConnection> jvm = RecordingReader.read(fixture("demo/demo.jfr"));
        List<TcpFlow> flows = flows(fixture("demo/demo.pcap"));
        List<String> expected = describe(builder(jvm, flows).build(Integer.MAX_VALUE));
        assertThat(expected).hasSizeGreaterThan(20);
        for (int splitFrom : new int[] {1, 2, 7}) {
            // fresh connections: the recording's objects carry nothing from one build to the next
            List<JvmConnection> again = RecordingReader.read(fixture("demo/demo.jfr"));
            assertThat(describe(builder(again, flows(fixture("demo/demo.pcap"))).build(splitFrom))).isEqualTo(expected);
        }
    }

    private static CorrelationBuilder builder(List<JvmConnection> jvm, List<TcpFlow> flows) {
        CorrelationBuilder builder = new CorrelationBuilder(jvm);
        for (TcpFlow f : flows) {
            builder.offer(f);
        }
        return builder;
    }

    private static List<String> describe(Correlation correlation) {
        List<String> lines = new ArrayList<>();
        for (Correlation.Joined j : correlation.connections) {
            lines.add(j.connection + " " + (j.flow == null ? "-" : j.flow.describe()) + " " + j.findings);
        }
        return lines;
    }
}
