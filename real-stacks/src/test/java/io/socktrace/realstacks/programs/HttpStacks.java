package io.socktrace.realstacks.programs;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * An embedded Jetty 12 on loopback and three real HTTP clients with keep-alive: Apache HttpClient 5
 * (classic), OkHttp 5 and the JDK's HttpClient, three requests each. The server prints the remote
 * port of every connection it opens (its log of the connections, to compare with the agent's);
 * "result" lines are what the clients got, the same with and without an agent. Then each client
 * asks for {@code /die}, where the server sends 10 bytes of a promised 1000 and aborts the
 * connection (SO_LINGER 0): a server that dies mid-response.
 */
public final class HttpStacks {

    public static final int REQUESTS = 3;

    private HttpStacks() {
    }

    /** A request that is expected to fail: "failed" when it did (how exactly depends on timing), else what came back. */
    private static String outcome(java.util.concurrent.Callable<String> request) {
        try {
            return "answered " + request.call().length() + " bytes";
        } catch (Exception e) {
            return "failed";
        }
    }

    public static void main(String[] args) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.addEventListener(new Connection.Listener() {
            @Override
            public void onOpened(Connection connection) {
                java.net.SocketAddress remote = connection.getEndPoint().getRemoteSocketAddress();
                System.out.println("   server connection " + ((java.net.InetSocketAddress) remote).getPort());
            }
        });
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                if (request.getHttpURI().getPath().equals("/die")) {
                    // the server dies mid-response: headers promise 1000 bytes, 10 go out, then an abortive close
                    response.getHeaders().put("Content-Length", "1000");
                    response.write(false, java.nio.ByteBuffer.wrap(new byte[10]), Callback.NOOP);
                    Thread.sleep(50);
                    org.eclipse.jetty.io.EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
                    if (endPoint.getTransport() instanceof java.nio.channels.SocketChannel) {
                        ((java.nio.channels.SocketChannel) endPoint.getTransport()).setOption(java.net.StandardSocketOptions.SO_LINGER, 0);
                    }
                    endPoint.close();
                    callback.failed(new java.io.IOException("died"));
                    return true;
                }
                response.setStatus(200);
                Content.Sink.write(response, true, "hello", callback);
                return true;
            }
        });
        server.start();
        String url = "http://127.0.0.1:" + connector.getLocalPort() + "/";
        System.out.println("   target jetty 127.0.0.1:" + connector.getLocalPort());
        try {
            try (CloseableHttpClient client = HttpClients.createDefault()) {
                StringBuilder got = new StringBuilder();
                for (int i = 0; i < REQUESTS; i++) {
                    String answer = client.execute(new HttpGet(url), response -> response.getCode() + " " + EntityUtils.toString(response.getEntity()));
                    got.append(answer).append(';');
                }
                System.out.println("result httpclient5 " + got);
                System.out.println("result httpclient5 die: " + outcome(() -> client.execute(new HttpGet(url + "die"),
                        response -> EntityUtils.toString(response.getEntity()))));
            }

            okhttp3.OkHttpClient ok = new okhttp3.OkHttpClient();
            StringBuilder okGot = new StringBuilder();
            for (int i = 0; i < REQUESTS; i++) {
                try (okhttp3.Response r = ok.newCall(new okhttp3.Request.Builder().url(url).build()).execute()) {
                    okGot.append(r.code()).append(' ').append(r.body().string()).append(';');
                }
            }
            System.out.println("result okhttp " + okGot);
            System.out.println("result okhttp die: " + outcome(() -> {
                try (okhttp3.Response r = ok.newCall(new okhttp3.Request.Builder().url(url + "die").build()).execute()) {
                    return r.body().string();
                }
            }));
            ok.connectionPool().evictAll(); // closes its idle connection
            ok.dispatcher().executorService().shutdown();

            java.net.http.HttpClient jdk = java.net.http.HttpClient.newHttpClient();
            StringBuilder jdkGot = new StringBuilder();
            for (int i = 0; i < REQUESTS; i++) {
                java.net.http.HttpResponse<String> r = jdk.send(java.net.http.HttpRequest.newBuilder(URI.create(url)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                jdkGot.append(r.statusCode()).append(' ').append(r.body()).append(';');
            }
            System.out.println("result jdk-httpclient " + jdkGot);
            System.out.println("result jdk-httpclient die: " + outcome(() -> jdk.send(java.net.http.HttpRequest.newBuilder(URI.create(url + "die")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)).body()));
            if (jdk instanceof AutoCloseable) { // JDK 21+: closes its connections
                ((AutoCloseable) jdk).close();
            }
            Thread.sleep(300); // the server sees the clients' ends of stream and closes its sides
        } finally {
            server.stop();
        }
    }
}
