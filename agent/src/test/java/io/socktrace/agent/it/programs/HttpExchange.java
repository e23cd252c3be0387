package io.socktrace.agent.it.programs;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The JDK's HttpClient against the JDK's HttpServer over loopback: three GETs on one keep-alive
 * connection, 5000-byte bodies. Both are NIO underneath (selector, non-blocking channels). The
 * server stops at the end, so the client sees its connection closed by the peer.
 */
public final class HttpExchange {

    public static final int BODY = 5000;
    public static final int REQUESTS = 3;

    private HttpExchange() {
    }

    public static void main(String[] args) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 10);
        AtomicReference<String> endpoints = new AtomicReference<>();
        server.createContext("/data", exchange -> {
            InetSocketAddress peer = exchange.getRemoteAddress();
            InetSocketAddress local = exchange.getLocalAddress();
            endpoints.set(peer.getAddress().getHostAddress() + ":" + peer.getPort() + " " + local.getAddress().getHostAddress()
                    + ":" + local.getPort());
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, BODY);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(new byte[BODY]);
            }
        });
        server.start();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/data");
        for (int i = 0; i < REQUESTS; i++) {
            HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            System.out.println("response " + response.statusCode() + " " + response.body().length + " bytes");
        }
        String[] ends = endpoints.get().split(" ");
        System.out.println("   socket client " + ends[0] + " -> " + ends[1]);
        System.out.println("   socket server " + ends[1] + " -> " + ends[0]);
        server.stop(0);
        Thread.sleep(500); // the client's selector sees the end of stream and closes its side
        if (client instanceof AutoCloseable) {
            ((AutoCloseable) client).close(); // JDK 21+
        }
    }
}
