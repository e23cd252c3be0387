package io.socktrace.demo;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * No listener on the port: the commonest connect failure and the fastest, because the
 * kernel answers the SYN with a RST at once. Its latency is what tells it apart from a
 * connect that times out.
 */
final class RefusedScenario implements Scenario {

    @Override
    public String name() {
        return "refused";
    }

    @Override
    public String description() {
        return "connect to a loopback port that has no listener";
    }

    @Override
    public String expectation() {
        return "Connect REFUSED within microseconds (a few ms for the first connect of a JVM)";
    }

    @Override
    public boolean run(PrintStream out) throws Exception {
        Report report = new Report(out);
        InetSocketAddress target;
        // Borrow a port the kernel has just handed out, then give it back: a port that
        // nothing listens on, on any host, which a fixed port number cannot promise.
        try (ServerSocket probe = Loopback.listen(1)) {
            report.listen("probe", probe);
            target = Loopback.addressOf(probe);
        }
        report.target("client", target);
        try (Socket client = new Socket()) {
            Attempt<Void> connect = Attempt.ofVoid(() -> client.connect(target, Loopback.CONNECT_TIMEOUT_MS));
            report.expectFailure("client", "connect", connect, "Connection refused");
        }
        return report.asExpected();
    }
}
