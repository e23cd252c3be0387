package io.socktrace.agent.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against the running kernel: sockets opened here must show up in {@code /proc/net/tcp6} (mapped,
 * as this JVM is dual-stack) or {@code /proc/net/tcp} with the queue lengths we caused.
 */
class TcpTableLiveTest {

    private static final byte[] LOOPBACK4 = {127, 0, 0, 1};
    private static final long TIMEOUT_MILLIS = 5_000;

    private final ProcFiles files = new ProcFiles();
    private final TcpTable table = new TcpTable();

    private List<TcpTable.Row> liveRows() {
        List<TcpTable.Row> rows = new ArrayList<>();
        for (String path : new String[] {"/proc/net/tcp6", "/proc/net/tcp"}) {
            if (!new File(path).exists()) {
                continue;
            }
            try {
                int length = files.read(path);
                table.parse(files.buffer(), length, row -> rows.add(row.copy()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            assertThat(table.skippedLines()).as("skipped lines of %s", path).isZero();
        }
        return rows;
    }

    /** The kernel updates queues asynchronously to our calls; poll until the row looks as expected. */
    private TcpTable.Row awaitRow(Predicate<TcpTable.Row> which, Predicate<TcpTable.Row> ready) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT_MILLIS * 1_000_000;
        TcpTable.Row last = null;
        while (System.nanoTime() < deadline) {
            for (TcpTable.Row row : liveRows()) {
                if (which.test(row)) {
                    last = row;
                    if (ready.test(row)) {
                        return row;
                    }
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no ready row; last matching: " + last);
    }

    @Test
    void parse_live_unreadBytesAreTheReceiveQueue() throws Exception {
        int unread = 7_777;
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
                Socket client = new Socket(listener.getInetAddress(), listener.getLocalPort());
                Socket accepted = listener.accept()) {
            client.getOutputStream().write(new byte[unread]);
            int serverPort = listener.getLocalPort();
            int clientPort = client.getLocalPort();

            TcpTable.Row reading = awaitRow(
                    r -> r.localMatches(LOOPBACK4, serverPort) && r.remoteMatches(LOOPBACK4, clientPort),
                    r -> r.receiveQueue() == unread);
            assertThat(reading.state()).isEqualTo(TcpState.ESTABLISHED);
            assertThat(reading.localAddressLength()).isEqualTo(4);
            assertThat(reading.inode()).isIn(socketInodesOfThisProcess());

            TcpTable.Row writing = awaitRow(
                    r -> r.localMatches(LOOPBACK4, clientPort) && r.remoteMatches(LOOPBACK4, serverPort),
                    r -> r.sendQueue() == 0);
            assertThat(writing.state()).isEqualTo(TcpState.ESTABLISHED);
            assertThat(writing.receiveQueue()).isZero();
            assertThat(writing.inode()).isIn(socketInodesOfThisProcess()).isNotEqualTo(reading.inode());

            byte[] received = accepted.getInputStream().readNBytes(unread);
            assertThat(received).hasSize(unread);
            awaitRow(r -> r.localMatches(LOOPBACK4, serverPort) && r.remoteMatches(LOOPBACK4, clientPort),
                    r -> r.receiveQueue() == 0);
        }
    }

    @Test
    void parse_live_listenerReceiveQueueIsUnacceptedConnections() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
                Socket first = new Socket(listener.getInetAddress(), listener.getLocalPort());
                Socket second = new Socket(listener.getInetAddress(), listener.getLocalPort())) {
            int port = listener.getLocalPort();
            assertThat(first.isConnected() && second.isConnected()).isTrue(); // connected, never accepted
            TcpTable.Row row = awaitRow(r -> r.state() == TcpState.LISTEN && r.localMatches(LOOPBACK4, port),
                    r -> r.receiveQueue() == 2);
            assertThat(row.remotePort()).isZero();
            assertThat(row.inode()).isIn(socketInodesOfThisProcess());

            listener.accept().close();
            awaitRow(r -> r.state() == TcpState.LISTEN && r.localMatches(LOOPBACK4, port), r -> r.receiveQueue() == 1);
        }
    }

    @Test
    void read_live_matchesReadAllBytes() throws Exception {
        ProcFiles small = new ProcFiles(16, 1 << 20); // forces several grows
        int length = small.read("/proc/self/limits");
        byte[] expected;
        try (InputStream in = new FileInputStream("/proc/self/limits")) {
            expected = in.readAllBytes();
        }
        assertThat(length).isEqualTo(expected.length).isGreaterThan(100);
        assertThat(Arrays.copyOf(small.buffer(), length)).isEqualTo(expected);
    }

    @Test
    void read_regularFile_readsExactBytes(@TempDir Path dir) throws Exception {
        byte[] content = new byte[200_000]; // more than one 64 KiB chunk
        new Random(1).nextBytes(content);
        Path file = dir.resolve("data");
        Files.write(file, content);
        ProcFiles reader = new ProcFiles();
        assertThat(reader.read(file.toString())).isEqualTo(content.length);
        assertThat(Arrays.copyOf(reader.buffer(), content.length)).isEqualTo(content);
        Files.write(file, new byte[0]);
        assertThat(reader.read(file.toString())).isZero();
    }

    @Test
    void read_tooLongOrMissing_throws() {
        assertThatThrownBy(() -> new ProcFiles(16, 64).read("/proc/self/limits"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("longer than 64 bytes");
        assertThatThrownBy(() -> new ProcFiles().read("/proc/no/such/file")).isInstanceOf(IOException.class);
    }

    @Test
    void countEntries_live_seesNewDescriptors() throws Exception {
        int before = ProcFiles.countEntries("/proc/self/fd");
        assertThat(before).isPositive();
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < 10; i++) {
                sockets.add(new Socket());
            }
            // an unconnected java.net.Socket has no descriptor yet; bind gives it one
            for (Socket socket : sockets) {
                socket.bind(null);
            }
            assertThat(ProcFiles.countEntries("/proc/self/fd")).isGreaterThanOrEqualTo(before + 10);
        } finally {
            for (Socket socket : sockets) {
                socket.close();
            }
        }
        assertThat(ProcFiles.countEntries("/proc/no/such/dir")).isEqualTo(-1);
    }

    private static Set<Long> socketInodesOfThisProcess() throws IOException {
        Set<Long> inodes = new HashSet<>();
        String[] fds = new File("/proc/self/fd").list();
        for (String fd : fds == null ? new String[0] : fds) {
            try {
                String target = Files.readSymbolicLink(Path.of("/proc/self/fd", fd)).toString();
                if (target.startsWith("socket:[")) {
                    inodes.add(Long.parseLong(target.substring(8, target.length() - 1)));
                }
            } catch (IOException gone) {
                // the listing's own descriptor is closed by now
            }
        }
        return inodes;
    }
}
