package io.socktrace.correlator.report;

import static io.socktrace.correlator.TestCaptures.fixture;
import static io.socktrace.correlator.TestCaptures.flows;
import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.correlator.join.Correlation;
import io.socktrace.correlator.jvm.RecordingReader;
import org.junit.jupiter.api.Test;

/** The report written in two halves at once is the very text one thread writes. */
class TextReportSplitTest {
    @Test
    void of_split_sameText() throws Exception {
        Correlation correlation = Correlation.of(RecordingReader.read(fixture("demo/demo.jfr")), flows(fixture("demo/demo.pcap")));
        String expected = TextReport.of(correlation, Integer.MAX_VALUE);
        assertThat(expected).contains("connection ").contains("REFUSED");
        for (int splitFrom : new int[] {1, 2, 3, 32}) {
            assertThat(TextReport.of(correlation, splitFrom)).isEqualTo(expected);
        }
        assertThat(TextReport.of(correlation)).isEqualTo(expected);
    }
}
