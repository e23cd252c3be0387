package io.socktrace.correlator.join;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A test program run under the real agent by {@link WireFindingsEndToEndTest}: one loopback
 * request/response per mode. {@code slow}: the server answers 600 ms after the request.
 * {@code lossy} (root): the server's answer is dropped by an iptables rule on loopback input for
 * 700 ms, so its kernel retransmits it. {@code late-accept}: the server calls accept 500 ms after
 * the client connected, then answers at once. {@code ipv6}: as {@code slow}, over {@code ::1}.
 * Prints {@code socket <mode>-client <local> -> <remote>}.
 */
public final class WirePeer {
    static final String RULE_COMMENT = "socktrace-wirepeer";

    public static void main(String[] args) throws Exception {
        for (String mode : args) {
            run(mode);
        }
    }

    private static void run(String mode) throws Exception {
        InetAddress loopback = mode.equals("ipv6") ? InetAddress.getByName("::1") : InetAddress.getLoopbackAddress();
        try (ServerSocket listener = new ServerSocket(0, 5, loopback)) {
            int port = listener.getLocalPort();
            Thread server = new Thread(() -> serve(listener, mode), mode + "-server");
            server.start();
            try (Socket client = new Socket()) {
                Thread.currentThread().setName(mode + "-client");
                client.connect(new InetSocketAddress(loopback, port), 2000);
                client.setSoTimeout(10_000);
                System.out.println("socket " + mode + "-client " + client.getLocalAddress().getHostAddress() + ":" + client.getLocalPort()
                        + " -> " + loopback.getHostAddress() + ":" + port);
                client.getOutputStream().write("hello".getBytes());
                byte[] answer = new byte[1000];
                int total = 0;
                InputStream in = client.getInputStream();
                while (total < answer.length) {
                    int n = in.read(answer, total, answer.length - total);
                    if (n < 0) {
                        break;
                    }
                    total += n;
                }
                System.out.println("   " + mode + ": answer of " + total + " bytes");
                if (mode.equals("unread-fin")) {
                    Thread.sleep(1_200); // the server's FIN waits unread: CLOSE_WAIT here, until the close
                }
            }
            server.join(10_000);
        }
    }

    private static void serve(ServerSocket listener, String mode) {
        if (mode.equals("late-accept")) {
            try {
                Thread.sleep(500); // the client's handshake completes meanwhile: it waits in the accept queue
            } catch (InterruptedException e) {
                return;
            }
        }
        try (Socket s = listener.accept()) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] request = new byte[5];
            int got = 0;
            while (got < request.length) {
                int n = in.read(request, got, request.length - got);
                if (n < 0) {
                    return;
                }
                got += n;
            }
            if (mode.equals("late-accept")) {
                out.write(new byte[1000]);
            } else if (mode.equals("unread-fin")) {
                out.write(new byte[1000]);
                s.shutdownOutput(); // the answer, then our FIN: the client never reads the end of stream
            } else if (mode.equals("slow") || mode.equals("ipv6")) {
                Thread.sleep(600);
                out.write(new byte[1000]);
            } else if (mode.equals("lossy")) {
                List<String> rule = List.of("INPUT", "-i", "lo", "-p", "tcp", "--sport", String.valueOf(listener.getLocalPort()),
                        "-m", "length", "--length", "200:65535", "-m", "comment", "--comment", RULE_COMMENT, "-j", "DROP");
                iptables("-I", rule);
                try {
                    out.write(new byte[1000]);
                    Thread.sleep(700);
                } finally {
                    iptables("-D", rule);
                }
            } else {
                throw new IllegalArgumentException("mode " + mode);
            }
            in.read(); // the client's close
        } catch (IOException | InterruptedException e) {
            e.printStackTrace();
        }
    }

    private static void iptables(String action, List<String> rule) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("iptables", "-w", "5", action));
        command.addAll(rule);
        Process p = new ProcessBuilder(command).inheritIO().start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("iptables " + action + " did not finish within 10 s");
        }
        if (p.exitValue() != 0) {
            throw new IOException("iptables " + action + " failed");
        }
    }
}
