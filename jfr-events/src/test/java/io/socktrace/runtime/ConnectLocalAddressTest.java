package io.socktrace.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketImpl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A socket's connect takes its local address from the lookup the JDK made as the connection was
 * established ({@code Net.localAddress} inside {@code NioSocketImpl.connect}), not from a second
 * getsockname; a lookup made outside a connect, or in an earlier one, is never used. The socket
 * here is a {@link SocketImpl} without a descriptor: asking the kernel would give nothing, so an
 * address on the connection can only have come from the JDK's lookup.
 */
class ConnectLocalAddressTest {

    private final SocketImpl socket = new NoDescriptor();

    @AfterEach
    void forget() {
        Connections.forget(socket);
    }

    @Test
    void connectDone_usesTheAddressTheJdkLookedUpInsideTheConnect() throws Exception {
        InetAddress local = InetAddress.getByName("127.0.0.7");
        ConnectTracing.enterConnect();
        ConnectTracing.localAddressReturned(new InetSocketAddress(local, 40123));
        ConnectTracing.leaveConnect();
        Connection c = Connections.of(socket);
        ConnectTracing.connectDone(socket, c, null, true, null);
        assertThat(c.local.text).isEqualTo("127.0.0.7");
        assertThat(c.localPort).isEqualTo(40123);
    }

    @Test
    void connectDone_ignoresLookupsOutsideAConnectAndFromAnEarlierOne() throws Exception {
        ConnectTracing.localAddressReturned(new InetSocketAddress(InetAddress.getByName("127.0.0.8"), 40124)); // no connect: not kept
        ConnectTracing.enterConnect();
        ConnectTracing.leaveConnect();
        Connection first = Connections.of(socket);
        ConnectTracing.connectDone(socket, first, null, true, null);
        assertThat(first.local).isNull();
        assertThat(first.localPort).isZero();

        ConnectTracing.enterConnect();
        ConnectTracing.localAddressReturned(new InetSocketAddress(InetAddress.getByName("127.0.0.9"), 40125));
        ConnectTracing.leaveConnect(); // a connect that failed: its lookup must not reach the next one
        SocketImpl other = new NoDescriptor();
        ConnectTracing.enterConnect();
        ConnectTracing.leaveConnect();
        Connection second = Connections.of(other);
        ConnectTracing.connectDone(other, second, null, true, null);
        assertThat(second.local).isNull();
        Connections.forget(other);
    }

    /** A SocketImpl with no file descriptor: the kernel cannot be asked about it. */
    private static final class NoDescriptor extends SocketImpl {
        @Override
        protected void create(boolean stream) {
        }

        @Override
        protected void connect(String host, int port) {
        }

        @Override
        protected void connect(InetAddress address, int port) {
        }

        @Override
        protected void connect(SocketAddress address, int timeout) {
        }

        @Override
        protected void bind(InetAddress host, int port) {
        }

        @Override
        protected void listen(int backlog) {
        }

        @Override
        protected void accept(SocketImpl s) {
        }

        @Override
        protected InputStream getInputStream() {
            return InputStream.nullInputStream();
        }

        @Override
        protected OutputStream getOutputStream() {
            return OutputStream.nullOutputStream();
        }

        @Override
        protected int available() {
            return 0;
        }

        @Override
        protected void close() {
        }

        @Override
        protected void sendUrgentData(int data) {
        }

        @Override
        public void setOption(int optID, Object value) {
        }

        @Override
        public Object getOption(int optID) {
            return null;
        }
    }
}
