package io.socktrace.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.InterruptedByTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import org.junit.jupiter.api.Test;

/** The exception texts are the ones measured on Linux with JDK 17 and 25 (JDK-NOTES.md). */
class ErrorClassifierTest {

    @Test
    void connect_classifiesEachMeasuredText() {
        assertThat(ErrorClassifier.connect(null)).isEqualTo(ConnectOutcome.CONNECTED);
        assertThat(ErrorClassifier.connect(new ConnectException("Connection refused"))).isEqualTo(ConnectOutcome.REFUSED);
        assertThat(ErrorClassifier.connect(new SocketTimeoutException("Connect timed out"))).isEqualTo(ConnectOutcome.TIMED_OUT);
        assertThat(ErrorClassifier.connect(new ConnectException("Connection timed out"))).isEqualTo(ConnectOutcome.TIMED_OUT);
        assertThat(ErrorClassifier.connect(new NoRouteToHostException("No route to host"))).isEqualTo(ConnectOutcome.UNREACHABLE);
        assertThat(ErrorClassifier.connect(new SocketException("Network is unreachable"))).isEqualTo(ConnectOutcome.UNREACHABLE);
        assertThat(ErrorClassifier.connect(new UnknownHostException("nowhere.invalid"))).isEqualTo(ConnectOutcome.UNRESOLVED);
        assertThat(ErrorClassifier.connect(new UnresolvedAddressException())).isEqualTo(ConnectOutcome.UNRESOLVED);
        assertThat(ErrorClassifier.connect(new ClosedByInterruptException())).isEqualTo(ConnectOutcome.INTERRUPTED);
        assertThat(ErrorClassifier.connect(new SocketException("Closed by interrupt"))).isEqualTo(ConnectOutcome.INTERRUPTED);
        assertThat(ErrorClassifier.connect(new InterruptedIOException())).isEqualTo(ConnectOutcome.INTERRUPTED);
        assertThat(ErrorClassifier.connect(new SocketException("Socket closed"))).isEqualTo(ConnectOutcome.CLOSED);
        assertThat(ErrorClassifier.connect(new AsynchronousCloseException())).isEqualTo(ConnectOutcome.CLOSED);
        assertThat(ErrorClassifier.connect(new InterruptedByTimeoutException())).isEqualTo(ConnectOutcome.TIMED_OUT);
        assertThat(ErrorClassifier.connect(new SocketException("Permission denied"))).isEqualTo(ConnectOutcome.ERROR);
        // EADDRNOTAVAIL: the ephemeral port range is in use (a BindException from connect)
        assertThat(ErrorClassifier.connect(new java.net.BindException("Cannot assign requested address")))
                .isEqualTo(ConnectOutcome.NO_LOCAL_PORT);
        assertThat(ErrorClassifier.connect(new java.net.ConnectException("Cannot assign requested address (connect failed)")))
                .isEqualTo(ConnectOutcome.NO_LOCAL_PORT);
        assertThat(ErrorClassifier.connect(new IOException((String) null))).isEqualTo(ConnectOutcome.ERROR);
    }

    @Test
    void accept_recognisesDescriptorExhaustion() {
        assertThat(ErrorClassifier.accept(null)).isEqualTo(AcceptOutcome.ACCEPTED);
        assertThat(ErrorClassifier.accept(new IOException("Too many open files"))).isEqualTo(AcceptOutcome.TOO_MANY_OPEN_FILES);
        assertThat(ErrorClassifier.accept(new SocketTimeoutException("Accept timed out"))).isEqualTo(AcceptOutcome.TIMED_OUT);
        assertThat(ErrorClassifier.accept(new SocketException("Socket closed"))).isEqualTo(AcceptOutcome.CLOSED);
        assertThat(ErrorClassifier.accept(new ClosedChannelException())).isEqualTo(AcceptOutcome.CLOSED);
        assertThat(ErrorClassifier.accept(new IOException("Invalid argument"))).isEqualTo(AcceptOutcome.ERROR);
    }

    @Test
    void receive_tellsTimeoutResetAndClose() {
        assertThat(ErrorClassifier.receive(new SocketTimeoutException("Read timed out"))).isEqualTo(ReceiveOutcome.TIMED_OUT);
        assertThat(ErrorClassifier.receive(new InterruptedByTimeoutException())).isEqualTo(ReceiveOutcome.TIMED_OUT);
        assertThat(ErrorClassifier.receive(new SocketException("Connection reset"))).isEqualTo(ReceiveOutcome.RESET);
        assertThat(ErrorClassifier.receive(new IOException("Connection reset by peer"))).isEqualTo(ReceiveOutcome.RESET);
        assertThat(ErrorClassifier.receive(new SocketException("Socket closed"))).isEqualTo(ReceiveOutcome.CLOSED);
        assertThat(ErrorClassifier.receive(new ClosedChannelException())).isEqualTo(ReceiveOutcome.CLOSED);
        assertThat(ErrorClassifier.receive(new IOException("Input/output error"))).isEqualTo(ReceiveOutcome.ERROR);
        // the kernel gave up on the peer, not the application's SO_TIMEOUT
        assertThat(ErrorClassifier.receive(new IOException("Connection timed out"))).isEqualTo(ReceiveOutcome.PEER_VANISHED);
        assertThat(ErrorClassifier.receive(new SocketException("Connection timed out"))).isEqualTo(ReceiveOutcome.PEER_VANISHED);
        assertThat(ErrorClassifier.receive(new IOException("No route to host"))).isEqualTo(ReceiveOutcome.PEER_VANISHED);
    }

    @Test
    void send_tellsBrokenPipeFromReset() {
        assertThat(ErrorClassifier.send(new SocketException("Broken pipe"))).isEqualTo(SendOutcome.BROKEN_PIPE);
        // a channel write after a reset throws a plain IOException
        assertThat(ErrorClassifier.send(new IOException("Broken pipe"))).isEqualTo(SendOutcome.BROKEN_PIPE);
        assertThat(ErrorClassifier.send(new SocketException("Connection reset by peer"))).isEqualTo(SendOutcome.RESET);
        assertThat(ErrorClassifier.send(new SocketException("Socket closed"))).isEqualTo(SendOutcome.CLOSED);
        assertThat(ErrorClassifier.send(new SocketException("Socket output is shutdown"))).isEqualTo(SendOutcome.CLOSED);
        assertThat(ErrorClassifier.send(new IOException("No buffer space available"))).isEqualTo(SendOutcome.ERROR);
        assertThat(ErrorClassifier.send(new SocketException("Connection timed out"))).isEqualTo(SendOutcome.PEER_VANISHED);
    }

    @Test
    void resetKind_onlyForAborts() {
        assertThat(ErrorClassifier.resetKind(new SocketException("Connection reset"))).isEqualTo(ResetKind.CONNECTION_RESET);
        assertThat(ErrorClassifier.resetKind(new SocketException("Connection reset by peer"))).isEqualTo(ResetKind.CONNECTION_RESET);
        assertThat(ErrorClassifier.resetKind(new IOException("Broken pipe"))).isEqualTo(ResetKind.BROKEN_PIPE);
        assertThat(ErrorClassifier.resetKind(new SocketTimeoutException("Read timed out"))).isNull();
        assertThat(ErrorClassifier.resetKind(new IOException("Connection timed out"))).isEqualTo(ResetKind.PEER_VANISHED);
        assertThat(ErrorClassifier.resetKind(new IOException("Host is down"))).isEqualTo(ResetKind.PEER_VANISHED);
        // a SocketTimeoutException is the application's own timeout whatever its text
        assertThat(ErrorClassifier.resetKind(new SocketTimeoutException("Connection timed out"))).isNull();
        assertThat(ErrorClassifier.resetKind(new IOException((String) null))).isNull();
        assertThat(ErrorClassifier.resetKind(null)).isNull();
    }
}
