package io.socktrace.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AgentOptionsTest {

    @Test
    void parse_noArguments_givesDefaults() {
        AgentOptions o = AgentOptions.parse(null);
        assertThat(o.receiveThresholdNanos).isEqualTo(10_000_000L);
        assertThat(o.sendThresholdNanos).isEqualTo(10_000_000L);
        assertThat(o.recording).isNull();
        assertThat(o.log).isEqualTo("error");
        assertThat(o.closeWaitTimeoutNanos).isEqualTo(30_000_000_000L);
        assertThat(o.openingStacks).isFalse();
        assertThat(AgentOptions.parse("").log).isEqualTo("error");
        assertThat(AgentOptions.parse("closeWaitTimeout=1500ms,openingStacks=false").closeWaitTimeoutNanos).isEqualTo(1_500_000_000L);
        assertThat(AgentOptions.parse("openingStacks=true").openingStacks).isTrue();
    }

    @Test
    void parse_everyOption() {
        AgentOptions o = AgentOptions.parse("receiveThreshold=0,sendThreshold=250us,recording=/tmp/x.jfr,log=DEBUG");
        assertThat(o.receiveThresholdNanos).isZero();
        assertThat(o.sendThresholdNanos).isEqualTo(250_000L);
        assertThat(o.recording).isEqualTo("/tmp/x.jfr");
        assertThat(o.log).isEqualTo("debug");
    }

    @Test
    void duration_units() {
        assertThat(AgentOptions.duration("k", "15ns")).isEqualTo(15);
        assertThat(AgentOptions.duration("k", "3us")).isEqualTo(3_000);
        assertThat(AgentOptions.duration("k", "10 ms")).isEqualTo(10_000_000);
        assertThat(AgentOptions.duration("k", "2s")).isEqualTo(2_000_000_000L);
        assertThat(AgentOptions.duration("k", "1m")).isEqualTo(60_000_000_000L);
        assertThat(AgentOptions.duration("k", "0")).isZero();
    }

    @Test
    void parse_badInput_namesTheKeyAndTheChoices() {
        assertThatThrownBy(() -> AgentOptions.parse("threshold=5ms"))
                .hasMessage("unknown option 'threshold' (valid options: receiveThreshold, sendThreshold, closeWaitTimeout, "
                        + "openingStacks, recording, settings, log)");
        assertThatThrownBy(() -> AgentOptions.parse("settings=/nonexistent.jfc")).hasMessageContaining("existing .jfc file");
        assertThat(AgentOptions.parse("settings=profile").settings).isEqualTo("profile");
        assertThatThrownBy(() -> AgentOptions.parse("openingStacks=yes")).hasMessageContaining("true or false");
        assertThatThrownBy(() -> AgentOptions.parse("closeWaitTimeout=forever")).hasMessageContaining("closeWaitTimeout");
        assertThatThrownBy(() -> AgentOptions.parse("receiveThreshold=10"))
                .hasMessageContaining("bad value '10' for option receiveThreshold");
        assertThatThrownBy(() -> AgentOptions.parse("sendThreshold=-5ms")).hasMessageContaining("sendThreshold");
        assertThatThrownBy(() -> AgentOptions.parse("recording=out.txt")).hasMessageContaining("ending in .jfr");
        assertThatThrownBy(() -> AgentOptions.parse("log=loud")).hasMessageContaining("off, error, info or debug");
        assertThatThrownBy(() -> AgentOptions.parse("receiveThreshold=99999999999999999s")).hasMessageContaining("receiveThreshold");
    }
}
