package io.socktrace.agent.it.programs;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** Prints a line and makes one refused connect: proof that the application ran, traced or not. */
public final class Hello {

    private Hello() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("hello from the application");
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            System.out.println("unexpected: connected");
        } catch (java.io.IOException e) {
            System.out.println("connect: " + e.getMessage());
        }
    }
}
