package io.socktrace.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The part of the {@code peer-vanished} and {@code port-exhaustion} scenarios that runs in a
 * network namespace of its own ({@link NetnsScenario}), where dropping packets with iptables and
 * shrinking the ephemeral port range touch nothing but this process's loopback. Prints its results
 * as lines starting with {@link #PREFIX}; ends by itself within {@link #LIMIT_MS}.
 *
 * <p>{@code vanish <iptables>}: two connections to a server in this process; once both are up,
 * every packet from the server is dropped as it leaves, as if its host had crashed (a capture of
 * the namespace's loopback sees none of them either). One connection has
 * aggressive keepalive (idle 1 s, 1 s apart, 2 probes) and a read waiting: the kernel gives up
 * after its probes. The other keeps writing: with {@code tcp_retries2} = 3 in the namespace the
 * kernel gives up after its retransmissions. Both fail with "Connection timed out".
 *
 * <p>{@code ports}: connects to a server in this process, closing each connection first (so it
 * stays in TIME_WAIT on this side), until a connect fails for want of a local port.
 */
final class NetnsClient {

    static final String PREFIX = "netns> ";
    static final String DONE = "done";
    static final int VANISH_PORT = 5556;
    static final int PORTS_PORT = 5557;
    static final long LIMIT_MS = 30_000;
    /** Connects the ports mode tries at most; the scenario gives the namespace 10 local ports. */
    static final int MAX_CONNECTS = 40;

    private NetnsClient() {
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("vanish")) {
            vanish(args[1]);
        } else {
            ports();
        }
        System.out.println(PREFIX + DONE);
    }

    private static void vanish(String iptables) throws Exception {
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress("127.0.0.1", VANISH_PORT));
            Socket reader = new Socket();
            reader.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            reader.setOption(jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE, 1);
            reader.setOption(jdk.net.ExtendedSocketOptions.TCP_KEEPINTERVAL, 1);
            reader.setOption(jdk.net.ExtendedSocketOptions.TCP_KEEPCOUNT, 2);
            reader.connect(server.getLocalSocketAddress(), 2_000);
            Socket readerPeer = server.accept();
            Socket writer = new Socket();
            writer.connect(server.getLocalSocketAddress(), 2_000);
            Socket writerPeer = server.accept();
            try (reader; readerPeer; writer; writerPeer) {
                readerPeer.getOutputStream().write("hello\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                System.out.println(PREFIX + "reader got " + reader.getInputStream().read(new byte[6]) + " bytes, then the server's host vanishes");
                System.out.println(PREFIX + "socket reader " + reader.getLocalPort() + " -> " + VANISH_PORT);
                System.out.println(PREFIX + "socket writer " + writer.getLocalPort() + " -> " + VANISH_PORT);
                // dropped as they leave (OUTPUT), not as they arrive: a capture of this loopback sees packets
                // as they are sent, and must not see the answers of a host that is gone
                Process drop = new ProcessBuilder(iptables, "-A", "OUTPUT", "-p", "tcp", "--sport", String.valueOf(VANISH_PORT), "-j", "DROP")
                        .redirectErrorStream(true).start();
                if (!drop.waitFor(10, TimeUnit.SECONDS) || drop.exitValue() != 0) {
                    drop.destroyForcibly();
                    System.out.println(PREFIX + "iptables failed: " + new String(drop.getInputStream().readAllBytes()).trim());
                    return;
                }
                long start = System.nanoTime();
                OutputStream writerOut = writer.getOutputStream();
                Thread writing = new Thread(() -> System.out.println(PREFIX + "writer: " + keepWriting(writerOut, start)), "writer");
                writing.start();
                System.out.println(PREFIX + "reader: " + readUntilFailure(reader.getInputStream(), start));
                writing.join(LIMIT_MS);
            }
        }
    }

    private static String readUntilFailure(InputStream in, long start) {
        try {
            int n = in.read();
            return "read returned " + n + " after " + millis(start);
        } catch (IOException e) {
            return "read failed after " + millis(start) + ": " + e;
        }
    }

    private static String keepWriting(OutputStream out, long start) {
        byte[] chunk = new byte[100];
        try {
            while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(LIMIT_MS)) {
                out.write(chunk);
                Thread.sleep(100);
            }
            return "still writing after " + millis(start);
        } catch (IOException e) {
            return "write failed after " + millis(start) + ": " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private static void ports() throws Exception {
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress("127.0.0.1", PORTS_PORT));
            Thread serving = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket s = server.accept()) {
                        s.getInputStream().read(); // the client's end of stream: it closed first
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "server");
            serving.setDaemon(true);
            serving.start();
            List<Integer> localPorts = new ArrayList<>();
            for (int i = 1; i <= MAX_CONNECTS; i++) {
                Socket client = new Socket();
                try {
                    client.connect(server.getLocalSocketAddress(), 2_000);
                    localPorts.add(client.getLocalPort());
                    client.close(); // first: this side keeps the port in TIME_WAIT
                } catch (IOException e) {
                    client.close();
                    System.out.println(PREFIX + "connects that worked: " + localPorts.size() + ", from local ports " + localPorts);
                    System.out.println(PREFIX + "connect " + i + " failed: " + e);
                    // the ports stay in TIME_WAIT for a minute: a statistics period of 1 s (settings=profile) shows them
                    Thread.sleep(1_200);
                    return;
                }
                Thread.sleep(20);
            }
            System.out.println(PREFIX + "all " + MAX_CONNECTS + " connects worked, from local ports " + localPorts);
        }
    }

    private static String millis(long start) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms";
    }
}
