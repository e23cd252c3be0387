package io.socktrace.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.agent.it.AgentJvm.Result;
import io.socktrace.agent.it.programs.Streaming;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Events reach an in-process {@code RecordingStream}, as the README's streaming example does it. */
class StreamingIT {

    @Test
    void recordingStream_receivesTheRefusedConnectLive() throws Exception {
        Result r = AgentJvm.run(null, List.of(), List.of("-cp", AgentJvm.TEST_CLASSES.toString(), Streaming.class.getName()));
        assertThat(r.exitCode).as(r.stderr).isZero();
        AgentJvm.Endpoints target = r.target("client");
        assertThat(r.stdout).contains("streamed: REFUSED 127.0.0.1:" + target.remotePort + " Connection refused").contains("done");
    }
}
