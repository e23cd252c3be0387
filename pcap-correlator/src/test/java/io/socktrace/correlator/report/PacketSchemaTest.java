package io.socktrace.correlator.report;

import io.socktrace.correlator.TestCaptures;
import static io.socktrace.correlator.TestCaptures.fixture;
import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.correlator.flow.TcpFlow;
import io.socktrace.correlator.join.Correlation;
import io.socktrace.correlator.jvm.RecordingReader;
import io.socktrace.events.EventNames;
import io.socktrace.events.PacketFields;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import jdk.jfr.AnnotationElement;
import jdk.jfr.EventType;
import jdk.jfr.ValueDescriptor;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packet event the correlator writes has exactly the fields {@link PacketFields} publishes, after JFR's startTime. */
class PacketSchemaTest {

    @Test
    void write_packetEventFields_areThePublishedOnes(@TempDir Path dir) throws Exception {
        Path pcap = fixture("demo/demo.pcap");
        Path jfr = fixture("demo/demo.jfr");
        List<TcpFlow> flows = TestCaptures.flows(pcap);
        Path out = dir.resolve("packets.jfr");
        PacketRecording.write(out, List.of(jfr), pcap, false, Correlation.of(RecordingReader.read(jfr), flows), 100);

        List<String> published = new ArrayList<>();
        published.add("startTime");
        for (Field f : PacketFields.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                published.add((String) f.get(null));
            }
        }
        try (RecordingFile recording = new RecordingFile(out)) {
            EventType type = recording.readEventTypes().stream().filter(t -> t.getName().equals(EventNames.PACKET)).findFirst().orElseThrow();
            assertThat(type.getFields().stream().map(ValueDescriptor::getName).collect(Collectors.toList()))
                    .containsExactlyInAnyOrderElementsOf(published);
            assertThat(type.getField(PacketFields.CONNECTION_ID).getAnnotationElements()).extracting(AnnotationElement::getTypeName)
                    .contains(EventNames.CONNECTION_ID_ANNOTATION);
        }
    }
}
