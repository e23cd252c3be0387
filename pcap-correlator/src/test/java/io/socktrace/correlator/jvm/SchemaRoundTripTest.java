package io.socktrace.correlator.jvm;

import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.events.AcceptEvent;
import io.socktrace.events.CloseEvent;
import io.socktrace.events.CloseWaitLeakEvent;
import io.socktrace.events.ConnectEvent;
import io.socktrace.events.ConnectionEvent;
import io.socktrace.events.EventNames;
import io.socktrace.events.LeakEvent;
import io.socktrace.events.ListenEvent;
import io.socktrace.events.ListenQueueEvent;
import io.socktrace.events.ReceiveEvent;
import io.socktrace.events.ResetEvent;
import io.socktrace.events.SendEvent;
import io.socktrace.events.ShutdownEvent;
import io.socktrace.events.SocketOptionEvent;
import io.socktrace.events.TcpInfoEvent;
import io.socktrace.runtime.AcceptOutcome;
import io.socktrace.runtime.CloseInitiator;
import io.socktrace.runtime.ConnectOutcome;
import io.socktrace.runtime.ReceiveOutcome;
import io.socktrace.runtime.ResetKind;
import io.socktrace.runtime.SendOutcome;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import jdk.jfr.Name;
import jdk.jfr.Recording;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's event classes write, the correlator's reader reads: every connection event, and
 * every value of every outcome enum, committed through the real event classes into a real
 * recording, comes back from both readers (the chunk reader and the JDK's) as the same event
 * and value. A reader that spelled a name, a field or a value its own way, or left an event
 * out, fails here; the findings compare against the same enum constants.
 */
class SchemaRoundTripTest {

    /** What was committed: connection id to the event's simple name and the value it recorded. */
    private final Map<Long, String[]> committed = new LinkedHashMap<>();
    private long nextId = 1;

    @Test
    void everyConnectionEventAndEveryOutcome_isReadBackAsWritten_byBothReaders(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("schema.jfr");
        try (Recording recording = new Recording()) {
            for (Class<? extends ConnectionEvent> type : List.of(ConnectEvent.class, AcceptEvent.class, ListenEvent.class,
                    ReceiveEvent.class, SendEvent.class, ResetEvent.class, CloseEvent.class, ShutdownEvent.class,
                    SocketOptionEvent.class, CloseWaitLeakEvent.class, LeakEvent.class, TcpInfoEvent.class, ListenQueueEvent.class)) {
                recording.enable(type);
            }
            recording.start();
            for (ConnectOutcome o : ConnectOutcome.values()) {
                ConnectEvent e = new ConnectEvent();
                e.outcome = o.name();
                commit(e, o.name());
            }
            for (AcceptOutcome o : AcceptOutcome.values()) {
                AcceptEvent e = new AcceptEvent();
                e.outcome = o.name();
                commit(e, o.name());
            }
            for (ReceiveOutcome o : ReceiveOutcome.values()) {
                ReceiveEvent e = new ReceiveEvent();
                e.outcome = o.name();
                e.bytesRead = 7;
                commit(e, o.name());
            }
            for (SendOutcome o : SendOutcome.values()) {
                SendEvent e = new SendEvent();
                e.outcome = o.name();
                e.bytesWritten = 9;
                commit(e, o.name());
            }
            for (CloseInitiator o : CloseInitiator.values()) {
                CloseEvent e = new CloseEvent();
                e.initiator = o.name();
                e.bytesRead = 11;
                e.bytesWritten = 13;
                commit(e, o.name());
            }
            for (ResetKind o : ResetKind.values()) {
                ResetEvent e = new ResetEvent();
                e.kind = o.name();
                commit(e, o.name());
            }
            TcpInfoEvent tcpInfo = new TcpInfoEvent();
            tcpInfo.state = "CLOSE_WAIT";
            commit(tcpInfo, "CLOSE_WAIT");
            for (ConnectionEvent e : List.of(new ListenEvent(), new ShutdownEvent(), new SocketOptionEvent(),
                    new CloseWaitLeakEvent(), new LeakEvent(), new ListenQueueEvent())) {
                commit(e, null);
            }
            recording.stop();
            recording.dump(file);
        }
        // every event the reader takes as a connection's was committed
        assertThat(committed.values().stream().map(c -> EventNames.PREFIX + c[0]).distinct())
                .containsExactlyInAnyOrderElementsOf(EventNames.CONNECTION_EVENTS);

        for (boolean jdkReader : new boolean[] {false, true}) {
            Map<Long, JvmConnection> byId = RecordingReader.read(file, jdkReader).stream()
                    .collect(Collectors.toMap(JvmConnection::connectionId, Function.identity()));
            assertThat(byId.keySet()).as("jdkReader=%s", jdkReader).containsExactlyInAnyOrderElementsOf(committed.keySet());
            committed.forEach((id, what) -> {
                JvmConnection c = byId.get(id);
                assertThat(c.calls()).as("jdkReader=%s, %s", jdkReader, c).hasSize(1);
                JvmConnection.Call call = c.calls().get(0);
                assertThat(call.event).isEqualTo(what[0]);
                assertThat(call.is(EventNames.PREFIX + what[0])).isTrue();
                assertThat(call.outcome).as("%s", call).isEqualTo(what[1]);
                switch (EventNames.PREFIX + what[0]) {
                    case EventNames.CONNECT:
                        assertThat(c.connect()).isSameAs(call);
                        assertThat(c.side()).isEqualTo(JvmConnection.Side.CLIENT);
                        break;
                    case EventNames.ACCEPT:
                        assertThat(c.accept()).isSameAs(call);
                        assertThat(c.side()).isEqualTo(JvmConnection.Side.SERVER);
                        break;
                    case EventNames.LISTEN:
                        assertThat(c.side()).isEqualTo(JvmConnection.Side.LISTENER);
                        break;
                    case EventNames.CLOSE:
                        assertThat(c.close()).isSameAs(call);
                        assertThat(c.closeInitiator()).isEqualTo(what[1]);
                        assertThat(c.bytesRead()).isEqualTo(11);
                        assertThat(c.bytesWritten()).isEqualTo(13);
                        break;
                    case EventNames.RECEIVE:
                        assertThat(call.bytes).isEqualTo(7);
                        break;
                    case EventNames.SEND:
                        assertThat(call.bytes).isEqualTo(9);
                        break;
                    default:
                        assertThat(c.side()).isEqualTo(JvmConnection.Side.UNKNOWN);
                        break;
                }
                // the 4-tuple every event carries
                assertThat(c.remotePort()).isEqualTo(40_000 + id.intValue());
                assertThat(c.localPort()).isEqualTo(50_000 + id.intValue());
                assertThat(c.remoteText()).isEqualTo("127.0.0.2");
                assertThat(c.localText()).isEqualTo("127.0.0.1");
            });
        }
    }

    /** Commits {@code e} as a connection of its own, remembering what it recorded. */
    private void commit(ConnectionEvent e, String value) {
        long id = nextId++;
        e.connectionId = id;
        e.address = "127.0.0.2";
        e.port = 40_000 + (int) id;
        e.localAddress = "127.0.0.1";
        e.localPort = 50_000 + (int) id;
        e.commit();
        String name = e.getClass().getAnnotation(Name.class).value();
        committed.put(id, new String[] {EventNames.simpleName(name), value});
    }
}
