package io.socktrace.agent.it.programs;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * TLS over SSLEngine and channels: the JDK HttpClient against the JDK HttpsServer on loopback,
 * {@code HttpsExchanges <keystore.p12> <TLSv1.2|TLSv1.3> <keep-alive|close> <count>}. With
 * {@code close} every response says {@code Connection: close}, so the server closes each
 * connection first and the client sees it go; with {@code keep-alive} one connection carries all
 * requests and the server's stop ends it. Ends with a pause so that a 1 s statistics period closes.
 */
public final class HttpsExchanges {

    private HttpsExchanges() {
    }

    public static void main(String[] args) throws Exception {
        String protocol = args[1];
        boolean close = args[2].equals("close");
        int count = Integer.parseInt(args[3]);
        SSLContext tls = TestKeystore.context(Path.of(args[0]));
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.setHttpsConfigurator(new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = tls.getDefaultSSLParameters();
                p.setProtocols(new String[] {protocol});
                params.setSSLParameters(p);
            }
        });
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = new byte[3000];
            if (close) {
                exchange.getResponseHeaders().add("Connection", "close");
            }
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        System.out.println("server port " + server.getAddress().getPort());
        SSLParameters clientParams = new SSLParameters();
        clientParams.setProtocols(new String[] {protocol});
        HttpClient client = HttpClient.newBuilder().sslContext(tls).sslParameters(clientParams)
                .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        URI uri = URI.create("https://localhost:" + server.getAddress().getPort() + "/");
        for (int i = 0; i < count; i++) {
            HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            System.out.println("response " + i + ": " + response.statusCode() + " " + response.body().length + " bytes");
            if (close) {
                Thread.sleep(50); // the server's close reaches the client's pool before the next request
            }
        }
        server.stop(0);
        Thread.sleep(1_300);
        System.out.println("done");
    }
}
