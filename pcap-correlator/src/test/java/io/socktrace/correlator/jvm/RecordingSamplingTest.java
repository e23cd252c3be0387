package io.socktrace.correlator.jvm;

import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.correlator.TestCaptures;
import io.socktrace.correlator.join.Correlation;
import io.socktrace.correlator.report.JsonReport;
import io.socktrace.correlator.report.TextReport;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A recording of an agent older than socktrace.Sampling: nothing is said about sampling, and no flow is called sampled out. */
class RecordingSamplingTest {

    @Test
    void olderAgentsRecording_saysNothingAboutSampling() throws Exception {
        RecordingSampling sampling = new RecordingSampling();
        List<JvmConnection> connections = RecordingReader.read(TestCaptures.fixture("demo/demo.jfr"), sampling);
        assertThat(sampling.known()).isFalse();
        assertThat(sampling.sampled()).isFalse();
        assertThat(sampling.counted()).isFalse();
        assertThat(sampling.describe()).isNull();
        assertThat(sampling.advice()).isNull();

        Correlation correlation = Correlation.of(connections, TestCaptures.flows(TestCaptures.fixture("demo/demo.pcap")), sampling);
        assertThat(correlation.possiblySampledOutCount).isZero();
        assertThat(TextReport.of(correlation)).doesNotContain("sampling").doesNotContain("sampled out").doesNotContain("note:");
        assertThat(JsonReport.of(correlation)).contains("\"sampling\": null").contains("\"possiblySampledOut\": 0");
    }
}
