package io.socktrace.agent.it.programs;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * Clean request/response exchanges over {@code SSLSocket} on loopback, one connection each:
 * {@code TlsExchanges <keystore.p12> <TLSv1.2|TLSv1.3> <client|server> <count>}. The side named
 * closes first; the other closes after it (the client 30 ms after reading its reply, the server
 * after reading the client's end of stream). The application sees no error anywhere; every
 * failure the JDK meets in its TLS close it swallows. Ends with a pause so that one statistics
 * period of a 1 s setting closes before the recording does.
 */
public final class TlsExchanges {

    private TlsExchanges() {
    }

    public static void main(String[] args) throws Exception {
        String protocol = args[1];
        boolean serverFirst = args[2].equals("server");
        int count = Integer.parseInt(args[3]);
        SSLContext tls = TestKeystore.context(Path.of(args[0]));
        try (SSLServerSocket listener = (SSLServerSocket) tls.getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            listener.setEnabledProtocols(new String[] {protocol});
            System.out.println("server port " + listener.getLocalPort());
            Thread server = new Thread(() -> serve(listener, count, serverFirst), "tls-server");
            server.start();
            for (int i = 0; i < count; i++) {
                try (SSLSocket client = (SSLSocket) tls.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(),
                        listener.getLocalPort())) {
                    client.setEnabledProtocols(new String[] {protocol});
                    OutputStream out = client.getOutputStream();
                    out.write(("request " + i + "\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII));
                    System.out.println("client got: " + in.readLine() + " (" + client.getSession().getProtocol() + ")");
                    if (serverFirst) {
                        Thread.sleep(30); // the server's close arrives first
                    }
                }
            }
            server.join(30_000);
        }
        Thread.sleep(1_300);
        System.out.println("done");
    }

    private static void serve(SSLServerSocket listener, int count, boolean serverFirst) {
        try {
            for (int i = 0; i < count; i++) {
                try (Socket s = listener.accept()) {
                    BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                    String request = in.readLine();
                    s.getOutputStream().write(("reply to " + request + "\n").getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    if (!serverFirst) {
                        System.out.println("server read end of stream: " + (in.read() == -1));
                    }
                }
            }
        } catch (Exception e) {
            System.out.println("server failed: " + e);
        }
    }
}
