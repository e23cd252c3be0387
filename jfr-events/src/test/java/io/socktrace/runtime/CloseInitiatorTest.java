package io.socktrace.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Who closed first: from what this side saw before calling close, and where that says nothing, from the kernel. */
class CloseInitiatorTest {

    @Test
    void initiator_nothingSeen_isLocal() {
        Connection c = new Connection();
        assertThat(CloseTracing.evidence(c, 0, CloseTracing.KERNEL_NOT_ASKED).initiator).isEqualTo(CloseInitiator.LOCAL);
        assertThat(CloseTracing.tcpStateAfter(CloseInitiator.LOCAL)).isEqualTo("TIME_WAIT");
    }

    @Test
    void initiator_endOfStreamSeen_isPeer() {
        Connection c = new Connection();
        c.endOfStreamNanos = 100;
        assertThat(CloseTracing.evidence(c, 0, CloseTracing.KERNEL_NOT_ASKED).initiator).isEqualTo(CloseInitiator.PEER);
        assertThat(CloseTracing.tcpStateAfter(CloseInitiator.PEER)).isEqualTo("LAST_ACK");
    }

    @Test
    void initiator_ourFinBeforeTheirs_isLocal() {
        Connection c = new Connection();
        c.rare().outputShutdownNanos = 50;
        c.endOfStreamNanos = 100;
        assertThat(CloseTracing.evidence(c, 0, CloseTracing.KERNEL_NOT_ASKED).initiator).isEqualTo(CloseInitiator.LOCAL);
    }

    @Test
    void initiator_theirFinBeforeOurs_isPeer() {
        Connection c = new Connection();
        c.endOfStreamNanos = 50;
        c.rare().outputShutdownNanos = 100;
        assertThat(CloseTracing.evidence(c, 0, CloseTracing.KERNEL_NOT_ASKED).initiator).isEqualTo(CloseInitiator.PEER);
    }

    @Test
    void initiator_lingerZeroOrUnreadInput_isAbort() {
        Connection linger = new Connection();
        linger.rare().linger = 0;
        assertThat(CloseTracing.evidence(linger, 0, CloseTracing.KERNEL_NOT_ASKED).initiator).isEqualTo(CloseInitiator.ABORT);
        Connection unread = new Connection();
        assertThat(CloseTracing.evidence(unread, 12, CloseTracing.KERNEL_NOT_ASKED).initiator).isEqualTo(CloseInitiator.ABORT);
        assertThat(CloseTracing.tcpStateAfter(CloseInitiator.ABORT)).isEqualTo("CLOSED");
        Connection lingerFive = new Connection();
        lingerFive.rare().linger = 5;
        assertThat(CloseTracing.evidence(lingerFive, 0, CloseTracing.KERNEL_NOT_ASKED).initiator).isEqualTo(CloseInitiator.LOCAL);
    }

    @Test
    void initiator_afterResetOrBrokenPipe_isAfterError() {
        Connection c = new Connection();
        c.rare().resetKind = ResetKind.BROKEN_PIPE;
        c.rare().linger = 0;
        assertThat(CloseTracing.evidence(c, 0, CloseTracing.KERNEL_NOT_ASKED).initiator).isEqualTo(CloseInitiator.AFTER_ERROR);
        assertThat(CloseTracing.tcpStateAfter(CloseInitiator.AFTER_ERROR)).isEqualTo("CLOSED");
    }

    @Test
    void connections_haveDistinctIds_andCountBytes() {
        Connection a = new Connection();
        Connection b = new Connection();
        assertThat(a.id()).isNotEqualTo(b.id());
        a.addBytesRead(10);
        a.addBytesRead(5);
        a.addBytesWritten(7);
        assertThat(a.bytesRead).isEqualTo(15);
        assertThat(a.bytesWritten).isEqualTo(7);
    }

    @Test
    void setLocal_wildcardIsUnknown() throws Exception {
        Connection c = new Connection();
        c.setLocal(java.net.InetAddress.getByName("::"), 41704);
        assertThat(c.local).isNull();
        assertThat(c.localPort).isEqualTo(41704);
        assertThat(c.communityId()).isNull();
        c.setLocal(java.net.InetAddress.getByName("127.0.0.1"), 41704);
        c.setRemote("localhost", java.net.InetAddress.getByName("127.0.0.1"), 80);
        assertThat(c.communityId()).startsWith("1:");
    }

    @Test
    void evidence_theKernelDecidesWhatTheReadsCannotTell() {
        Connection c = new Connection();
        // the peer's FIN waiting unread: it closed first, though the application never read -1
        assertThat(CloseTracing.evidence(c, 0, CloseTracing.KERNEL_FIN_UNREAD)).isEqualTo(CloseEvidence.FIN_UNREAD);
        assertThat(CloseEvidence.FIN_UNREAD.initiator).isEqualTo(CloseInitiator.PEER);
        assertThat(CloseTracing.evidence(c, 0, CloseTracing.KERNEL_NO_FIN)).isEqualTo(CloseEvidence.NO_FIN);
        assertThat(CloseTracing.evidence(c, 0, CloseTracing.KERNEL_NOT_ASKED)).isEqualTo(CloseEvidence.READS_ONLY);
        assertThat(CloseEvidence.READS_ONLY.initiator).isEqualTo(CloseInitiator.LOCAL);
        // unread input is an abort whatever else is pending
        assertThat(CloseTracing.evidence(c, 5, CloseTracing.KERNEL_NO_FIN)).isEqualTo(CloseEvidence.UNREAD_INPUT);
    }

    @Test
    void evidence_ourShutdownOutputFirst_staysLocal_evenWithThePeersFinPendingNow() {
        Connection c = new Connection();
        c.rare().outputShutdownNanos = 50;
        assertThat(CloseTracing.evidence(c, 0, CloseTracing.KERNEL_FIN_UNREAD)).isEqualTo(CloseEvidence.SHUTDOWN_OUTPUT);
        c.endOfStreamNanos = 80; // the peer answered our FIN with its own
        assertThat(CloseTracing.evidence(c, 0, CloseTracing.KERNEL_NOT_ASKED)).isEqualTo(CloseEvidence.SHUTDOWN_OUTPUT);
        Connection peerFirst = new Connection();
        peerFirst.endOfStreamNanos = 40;
        peerFirst.rare().outputShutdownNanos = 50;
        assertThat(CloseTracing.evidence(peerFirst, 0, CloseTracing.KERNEL_NO_FIN)).isEqualTo(CloseEvidence.END_OF_STREAM);
    }

    @Test
    void evidence_aTlsCloseThatMetABrokenPipe_beforeOurFin_isThePeers() {
        Connection c = new Connection();
        c.rare().peerGoneInJdk = true;
        c.rare().outputShutdownNanos = 70; // the TLS 1.3 close half-closes after its close_notify
        assertThat(CloseTracing.evidence(c, 0, CloseTracing.KERNEL_NO_FIN)).isEqualTo(CloseEvidence.TLS_CLOSE);
        assertThat(CloseEvidence.TLS_CLOSE.initiator).isEqualTo(CloseInitiator.PEER);
    }

    @Test
    void evidence_thePeersCloseNotifyLeftUnreadByTheJdksTlsClose_isNotAnAbort() {
        Connection c = new Connection();
        c.rare().quietAtTlsClose = true; // nothing to read when the application called the TLS close
        InsideJdk.enterTlsClose();
        try {
            assertThat(CloseTracing.evidence(c, 31, CloseTracing.KERNEL_FIN_UNREAD)).isEqualTo(CloseEvidence.TLS_ANSWER_UNREAD);
            assertThat(CloseEvidence.TLS_ANSWER_UNREAD.initiator).isEqualTo(CloseInitiator.LOCAL);
        } finally {
            InsideJdk.exitTlsClose();
        }
        // the same bytes left by the application are its abort
        assertThat(CloseTracing.evidence(c, 31, CloseTracing.KERNEL_FIN_UNREAD)).isEqualTo(CloseEvidence.UNREAD_INPUT);
        Connection busy = new Connection();
        InsideJdk.enterTlsClose();
        try {
            assertThat(CloseTracing.evidence(busy, 31, CloseTracing.KERNEL_NO_FIN)).isEqualTo(CloseEvidence.UNREAD_INPUT);
        } finally {
            InsideJdk.exitTlsClose();
        }
    }
}
