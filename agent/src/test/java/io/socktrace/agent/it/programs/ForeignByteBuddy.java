package io.socktrace.agent.it.programs;

import static net.bytebuddy.matcher.ElementMatchers.named;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.implementation.FixedValue;

/**
 * An application that bundles its own Byte Buddy (a different version from the agent's) and uses
 * it, then opens a socket. Run with the foreign Byte Buddy jar on its class path.
 */
public final class ForeignByteBuddy {

    private ForeignByteBuddy() {
    }

    public static void main(String[] args) throws Exception {
        Class<?> generated = new ByteBuddy()
                .subclass(Object.class)
                .name("io.socktrace.agent.it.programs.Generated")
                .method(named("toString")).intercept(FixedValue.value("made by the application's Byte Buddy"))
                .make()
                .load(ForeignByteBuddy.class.getClassLoader())
                .getLoaded();
        System.out.println("generated: " + generated.getDeclaredConstructor().newInstance());
        System.out.println("byte buddy from: " + ByteBuddy.class.getProtectionDomain().getCodeSource().getLocation());
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            System.out.println("unexpected: connected");
        } catch (IOException e) {
            System.out.println("   target client 127.0.0.1:" + port);
            System.out.println("connect: " + e.getMessage());
        }
    }
}
