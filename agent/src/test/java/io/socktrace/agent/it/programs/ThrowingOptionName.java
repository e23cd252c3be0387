package io.socktrace.agent.it.programs;

import java.net.Socket;
import java.net.SocketOption;

/**
 * Sets a socket option of its own whose {@code name()} throws. The JDK rejects the option (it only
 * uses {@code toString()} for that); socktrace's advice on {@code NioSocketImpl.setOption} then
 * asks the option for its name, and the runtime catches what is thrown and reports it as an
 * internal error: a real exception swallowed inside advice, without a test switch in the agent.
 */
public final class ThrowingOptionName {

    private ThrowingOptionName() {
    }

    public static void main(String[] args) throws Exception {
        SocketOption<Integer> option = new SocketOption<>() {
            @Override
            public String name() {
                throw new IllegalStateException("name() of ThrowingOptionName");
            }

            @Override
            public Class<Integer> type() {
                return Integer.class;
            }

            @Override
            public String toString() {
                return "THROWING_NAME";
            }
        };
        try (Socket socket = new Socket()) {
            socket.setOption(option, 1);
            System.out.println("unexpected: the option was accepted");
        } catch (UnsupportedOperationException e) {
            System.out.println("rejected: " + e.getMessage());
        }
    }
}
