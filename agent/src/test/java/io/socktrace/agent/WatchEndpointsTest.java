package io.socktrace.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.events.ConnectEvent;
import io.socktrace.events.ReceiveEvent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WatchEndpointsTest {

    @Test
    void of_receiveWithOnlyItsConnectionId_showsTheEndpointsOfAnEarlierEventOfItsConnection(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("watch.jfr");
        try (Recording recording = new Recording()) {
            recording.enable(ConnectEvent.class);
            recording.enable(ReceiveEvent.class);
            recording.start();
            ConnectEvent connect = new ConnectEvent();
            connect.connectionId = 7;
            connect.address = "10.0.0.2";
            connect.host = "10.0.0.2";
            connect.port = 8080;
            connect.localAddress = "10.0.0.1";
            connect.localPort = 40000;
            connect.commit();
            ReceiveEvent slim = new ReceiveEvent();
            slim.connectionId = 7;
            slim.commit();
            ReceiveEvent unknown = new ReceiveEvent();
            unknown.connectionId = 8;
            unknown.commit();
            recording.stop();
            recording.dump(file);
        }
        List<RecordedEvent> events = new ArrayList<>(RecordingFile.readAllEvents(file));
        events.sort((a, b) -> Long.compare(a.getLong("connectionId") * 10 + (a.getEventType().getName().endsWith("Connect") ? 0 : 1),
                b.getLong("connectionId") * 10 + (b.getEventType().getName().endsWith("Connect") ? 0 : 1)));
        Watch.Endpoints endpoints = new Watch.Endpoints();
        assertThat(endpoints.of(events.get(0))).isEqualTo("10.0.0.1:40000 -> 10.0.0.2:8080");
        assertThat(endpoints.of(events.get(1))).isEqualTo("10.0.0.1:40000 -> 10.0.0.2:8080");
        assertThat(endpoints.of(events.get(2))).as("no earlier event of connection 8").isEqualTo("? -> ?");
    }
}
