package io.socktrace.agent.it.programs;

import java.net.InetSocketAddress;
import java.net.Socket;

/** Connects to an unresolved address: the JDK fails before any lookup or packet. */
public final class Unresolved {

    private Unresolved() {
    }

    public static void main(String[] args) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(InetSocketAddress.createUnresolved("nowhere.invalid", 8080), 700);
        } catch (java.io.IOException e) {
            System.out.println("connect: " + e);
        }
    }
}
