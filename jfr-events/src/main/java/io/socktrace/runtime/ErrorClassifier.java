package io.socktrace.runtime;

import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.InterruptedByTimeoutException;
import java.nio.channels.UnresolvedAddressException;

/**
 * Turns the exception the application got into an outcome. The JDK reports most socket errors as
 * plain {@code SocketException}/{@code IOException} whose only distinguishing part is the text the
 * kernel's errno maps to, so classification is by message first and by class second. The texts
 * are the ones measured on Linux with JDK 17 and 25 (see JDK-NOTES.md).
 */
public final class ErrorClassifier {

    private ErrorClassifier() {
    }

    public static ConnectOutcome connect(Throwable t) {
        if (t == null) {
            return ConnectOutcome.CONNECTED;
        }
        if (t instanceof UnknownHostException || t instanceof UnresolvedAddressException) {
            return ConnectOutcome.UNRESOLVED;
        }
        if (t instanceof SocketTimeoutException || t instanceof InterruptedByTimeoutException) {
            return ConnectOutcome.TIMED_OUT;
        }
        if (t instanceof ClosedByInterruptException) {
            return ConnectOutcome.INTERRUPTED;
        }
        if (t instanceof AsynchronousCloseException || t instanceof ClosedChannelException) {
            return ConnectOutcome.CLOSED;
        }
        String m = lowerMessage(t);
        if (m.contains("refused")) {
            return ConnectOutcome.REFUSED;
        }
        if (m.contains("cannot assign requested address")) {
            // EADDRNOTAVAIL at connect: no free local port for this destination (the ephemeral
            // range in use, typically by TIME_WAIT), or a bind to an address this host lacks
            return ConnectOutcome.NO_LOCAL_PORT;
        }
        if (m.contains("timed out")) {
            return ConnectOutcome.TIMED_OUT;
        }
        if (m.contains("unreachable") || m.contains("no route to host") || t instanceof java.net.NoRouteToHostException) {
            // Netty's native transports throw it without a message
            return ConnectOutcome.UNREACHABLE;
        }
        if (m.contains("closed by interrupt") || t instanceof InterruptedIOException) {
            return ConnectOutcome.INTERRUPTED;
        }
        if (m.contains("closed")) {
            return ConnectOutcome.CLOSED;
        }
        return ConnectOutcome.ERROR;
    }

    public static AcceptOutcome accept(Throwable t) {
        if (t == null) {
            return AcceptOutcome.ACCEPTED;
        }
        if (t instanceof SocketTimeoutException || t instanceof InterruptedByTimeoutException) {
            return AcceptOutcome.TIMED_OUT;
        }
        if (t instanceof ClosedChannelException) {
            return AcceptOutcome.CLOSED;
        }
        String m = lowerMessage(t);
        if (m.contains("too many open files")) {
            return AcceptOutcome.TOO_MANY_OPEN_FILES;
        }
        if (m.contains("timed out")) {
            return AcceptOutcome.TIMED_OUT;
        }
        if (m.contains("closed")) {
            return AcceptOutcome.CLOSED;
        }
        return AcceptOutcome.ERROR;
    }

    public static ReceiveOutcome receive(Throwable t) {
        if (t instanceof SocketTimeoutException || t instanceof InterruptedByTimeoutException) {
            return ReceiveOutcome.TIMED_OUT;
        }
        if (t instanceof ClosedChannelException) {
            return ReceiveOutcome.CLOSED;
        }
        ResetKind reset = resetKind(t);
        if (reset == ResetKind.PEER_VANISHED) {
            return ReceiveOutcome.PEER_VANISHED;
        }
        if (reset != null) {
            return ReceiveOutcome.RESET;
        }
        String m = lowerMessage(t);
        if (m.contains("closed") || m.contains("shutdown")) {
            return ReceiveOutcome.CLOSED;
        }
        return ReceiveOutcome.ERROR;
    }

    public static SendOutcome send(Throwable t) {
        if (t instanceof ClosedChannelException) {
            return SendOutcome.CLOSED;
        }
        ResetKind reset = resetKind(t);
        if (reset == ResetKind.BROKEN_PIPE) {
            return SendOutcome.BROKEN_PIPE;
        }
        if (reset == ResetKind.CONNECTION_RESET) {
            return SendOutcome.RESET;
        }
        if (reset == ResetKind.PEER_VANISHED) {
            return SendOutcome.PEER_VANISHED;
        }
        String m = lowerMessage(t);
        if (m.contains("closed") || m.contains("shutdown")) {
            return SendOutcome.CLOSED;
        }
        return SendOutcome.ERROR;
    }

    /**
     * The kind of abort this exception of a read or write on a connected socket reports, or null if
     * it is not one. The application's own read timeout is a {@code SocketTimeoutException} ("Read
     * timed out") and never an abort; the kernel's giving up on an established connection is an
     * {@code IOException} with errno's text, "Connection timed out" (ETIMEDOUT: retransmissions,
     * keepalive probes or TCP_USER_TIMEOUT) or "No route to host" (EHOSTUNREACH from ICMP).
     */
    public static ResetKind resetKind(Throwable t) {
        if (t == null || t instanceof SocketTimeoutException || t instanceof InterruptedByTimeoutException) {
            return null;
        }
        String m = lowerMessage(t);
        if (m.contains("broken pipe")) {
            return ResetKind.BROKEN_PIPE;
        }
        if (m.contains("connection reset")) {
            return ResetKind.CONNECTION_RESET;
        }
        if (m.contains("connection timed out") || m.contains("no route to host") || m.contains("host is down")) {
            return ResetKind.PEER_VANISHED;
        }
        return null;
    }

    private static String lowerMessage(Throwable t) {
        String m = t.getMessage();
        return m == null ? "" : m.toLowerCase(java.util.Locale.ROOT);
    }
}
