package io.socktrace.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TransferDescriptionsTest {

    private static final long T0 = 5_000_000_000L;

    @AfterEach
    void forget() {
        TransferDescriptions.forgetThisThread();
    }

    @Test
    void due_firstEventOfAConnection_carriesTheTupleThenNotWithinThePeriod() {
        assertThat(TransferDescriptions.due(3, T0)).isTrue();
        assertThat(TransferDescriptions.due(3, T0 + 1)).isFalse();
        assertThat(TransferDescriptions.due(3, T0 + TransferDescriptions.PERIOD_NANOS - 1)).isFalse();
        assertThat(TransferDescriptions.due(3, T0 + TransferDescriptions.PERIOD_NANOS)).isTrue();
        assertThat(TransferDescriptions.due(3, T0 + TransferDescriptions.PERIOD_NANOS + 1)).isFalse();
    }

    @Test
    void due_twoConnectionsOnOneThread_eachDescribedOnce() {
        assertThat(TransferDescriptions.due(2, T0)).isTrue();
        assertThat(TransferDescriptions.due(3, T0)).isTrue();
        assertThat(TransferDescriptions.due(2, T0 + 10)).isFalse();
        assertThat(TransferDescriptions.due(3, T0 + 10)).isFalse();
    }

    @Test
    void due_connectionsSharingASlot_describeAgainWhenDisplaced() {
        assertThat(TransferDescriptions.due(1, T0)).isTrue();
        assertThat(TransferDescriptions.due(9, T0)).isTrue(); // 9 & 7 == 1: the same slot
        assertThat(TransferDescriptions.due(1, T0 + 1)).isTrue();
    }

    @Test
    void due_afterARecordingChanged_describesAgain() {
        assertThat(TransferDescriptions.due(4, T0)).isTrue();
        TransferDescriptions.recordingChanged();
        assertThat(TransferDescriptions.due(4, T0 + 1)).isTrue();
        assertThat(TransferDescriptions.due(4, T0 + 2)).isFalse();
    }

    @Test
    void due_otherThread_describesOnItsOwn() throws Exception {
        assertThat(TransferDescriptions.due(5, T0)).isTrue();
        boolean[] onOther = new boolean[1];
        Thread other = new Thread(() -> onOther[0] = TransferDescriptions.due(5, T0 + 1));
        other.start();
        other.join();
        assertThat(onOther[0]).isTrue();
        assertThat(TransferDescriptions.due(5, T0 + 2)).isFalse();
    }
}
