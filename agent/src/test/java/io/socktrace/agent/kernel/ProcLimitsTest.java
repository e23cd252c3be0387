package io.socktrace.agent.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProcLimitsTest {

    private static ProcLimits parse(String text) {
        byte[] data = Samples.ascii(text);
        return ProcLimits.parse(data, data.length);
    }

    @Test
    void parse_sample_softBelowHard() {
        byte[] data = Samples.bytes("limits.txt");
        ProcLimits limits = ProcLimits.parse(data, data.length);
        assertThat(limits.openFilesSoft()).isEqualTo(4096);
        assertThat(limits.openFilesHard()).isEqualTo(20000);
        assertThat(limits).hasToString("open files soft 4096, hard 20000");
    }

    @Test
    void parse_jvmSample_softRaisedToHard() {
        byte[] data = Samples.bytes("limits-jvm.txt");
        ProcLimits limits = ProcLimits.parse(data, data.length);
        assertThat(limits.openFilesSoft()).isEqualTo(20000);
        assertThat(limits.openFilesHard()).isEqualTo(20000);
    }

    @Test
    void parse_unlimited() {
        ProcLimits limits = parse("Limit                     Soft Limit           Hard Limit           Units     \n"
                + "Max open files            1024                 unlimited            files     \n");
        assertThat(limits.openFilesSoft()).isEqualTo(1024);
        assertThat(limits.openFilesHard()).isEqualTo(ProcLimits.UNLIMITED);
        assertThat(limits).hasToString("open files soft 1024, hard unlimited");
    }

    @Test
    void parse_missingOrGarbage_givesMinusOne() {
        assertThat(parse("").openFilesSoft()).isEqualTo(-1);
        assertThat(parse("Max processes 5 5 processes\n").openFilesHard()).isEqualTo(-1);
        ProcLimits garbled = parse("Max open files            lots                 1048576              files\n");
        assertThat(garbled.openFilesSoft()).isEqualTo(-1);
        assertThat(garbled.openFilesHard()).isEqualTo(1048576);
        ProcLimits cut = parse("Max open files            1024");
        assertThat(cut.openFilesSoft()).isEqualTo(1024);
        assertThat(cut.openFilesHard()).isEqualTo(-1);
    }

    @Test
    void parse_live_softAtMostHard() throws Exception {
        ProcFiles files = new ProcFiles();
        int length = files.read("/proc/self/limits");
        ProcLimits limits = ProcLimits.parse(files.buffer(), length);
        assertThat(limits.openFilesSoft()).isPositive();
        assertThat(limits.openFilesSoft()).isLessThanOrEqualTo(limits.openFilesHard());
    }
}
