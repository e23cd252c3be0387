package io.socktrace.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.agent.it.AgentJvm.Endpoints;
import io.socktrace.agent.it.AgentJvm.Result;
import io.socktrace.agent.it.programs.UnreadFin;
import io.socktrace.events.EventFields;
import io.socktrace.events.EventNames;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Who closed first, from the kernel where the application's reads cannot tell: a client that
 * read the server's data but not its end of stream, and closed while its socket sat in
 * CLOSE_WAIT, closed second (PEER, the FIN was unread); a client that closed with nothing
 * pending closed first (LOCAL, no FIN). Stream sockets and channels, default settings.
 */
class CloseInitiatorIT {

    @ParameterizedTest
    @ValueSource(strings = {"socket", "channel"})
    void aClientThatNeverReadTheEndOfStream_closedSecond_theKernelSaysSo(String api) throws Exception {
        Result r = AgentJvm.program(UnreadFin.class, "", api, "200");
        assertThat(r.exitCode).as(r.stdout + r.stderr).isZero();
        assertThat(r.stdout).contains("client read 1 byte").contains("server read -1");

        Endpoints peerFirst = r.socket("peerfirst");
        RecordedEvent closed = r.single(EventNames.CLOSE, peerFirst);
        assertThat(closed.getString(EventFields.INITIATOR)).isEqualTo("PEER");
        assertThat(closed.getString(EventFields.INITIATOR_EVIDENCE)).isEqualTo("FIN_UNREAD");
        assertThat(closed.getString(EventFields.TCP_STATE_AFTER)).isEqualTo("LAST_ACK");
        assertThat(closed.getLong(EventFields.UNREAD_BYTES)).isZero();

        Endpoints usFirst = r.socket("usfirst");
        RecordedEvent first = r.single(EventNames.CLOSE, usFirst);
        assertThat(first.getString(EventFields.INITIATOR)).isEqualTo("LOCAL");
        assertThat(first.getString(EventFields.INITIATOR_EVIDENCE)).isEqualTo("NO_FIN");
        // and its server, which read the end of stream, knows from its reads
        RecordedEvent server = r.single(EventNames.CLOSE, new Endpoints(usFirst.remoteAddress, usFirst.remotePort,
                usFirst.localAddress, usFirst.localPort, java.util.Map.of()));
        assertThat(server.getString(EventFields.INITIATOR)).isEqualTo("PEER");
        assertThat(server.getString(EventFields.INITIATOR_EVIDENCE)).isEqualTo("END_OF_STREAM");

        // SO_LINGER 0 decides without the kernel; the recorded abort still says what it threw away
        RecordedEvent abort = r.single(EventNames.CLOSE, r.socket("lingerunread"));
        assertThat(abort.getString(EventFields.INITIATOR)).isEqualTo("ABORT");
        assertThat(abort.getString(EventFields.INITIATOR_EVIDENCE)).isEqualTo("LINGER_ZERO");
        assertThat(abort.getLong(EventFields.UNREAD_BYTES)).isEqualTo(5);
    }
}
