package io.socktrace.bench.jmh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The cost of the socket calls the agent instruments, without thread hand-offs: one thread writes
 * 64 bytes on one end of a loopback connection, reads them on the other end, writes them back and
 * reads them again, so every call finds its data already in the kernel and never blocks. Four
 * instrumented calls per operation (two writes, two reads), through {@code java.net.Socket} streams
 * and through {@code SocketChannel}. {@link JmhRunner} runs this under each configuration (no agent,
 * agent, JDK events) and reports the difference per call.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SocketCallBenchmark {

    private ServerSocket listener;
    private Socket client;
    private Socket server;
    private OutputStream clientOut;
    private InputStream clientIn;
    private OutputStream serverOut;
    private InputStream serverIn;
    private final byte[] buffer = new byte[64];

    private ServerSocketChannel channelListener;
    private SocketChannel channelClient;
    private SocketChannel channelServer;
    private final ByteBuffer channelBuffer = ByteBuffer.allocateDirect(64);

    @Setup(Level.Trial)
    public void open() throws IOException {
        listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        client = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
        server = listener.accept();
        client.setTcpNoDelay(true);
        server.setTcpNoDelay(true);
        clientOut = client.getOutputStream();
        clientIn = client.getInputStream();
        serverOut = server.getOutputStream();
        serverIn = server.getInputStream();

        channelListener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        channelClient = SocketChannel.open(channelListener.getLocalAddress());
        channelServer = channelListener.accept();
        channelClient.socket().setTcpNoDelay(true);
        channelServer.socket().setTcpNoDelay(true);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        client.close();
        server.close();
        listener.close();
        channelClient.close();
        channelServer.close();
        channelListener.close();
    }

    /** Write, read, write back, read back over java.net.Socket streams. */
    @Benchmark
    public int socketStreams() throws IOException {
        byte[] b = buffer;
        clientOut.write(b);
        int n = readFully(serverIn, b);
        serverOut.write(b);
        return n + readFully(clientIn, b);
    }

    /** The same over blocking SocketChannels. */
    @Benchmark
    public int socketChannels() throws IOException {
        ByteBuffer b = channelBuffer;
        b.clear();
        channelClient.write(b);
        b.clear();
        int n = readFully(channelServer, b);
        b.flip();
        channelServer.write(b);
        b.clear();
        return n + readFully(channelClient, b);
    }

    private static int readFully(InputStream in, byte[] b) throws IOException {
        int got = 0;
        while (got < b.length) {
            int n = in.read(b, got, b.length - got);
            if (n < 0) {
                throw new IOException("closed");
            }
            got += n;
        }
        return got;
    }

    private static int readFully(SocketChannel ch, ByteBuffer b) throws IOException {
        int got = 0;
        while (b.hasRemaining()) {
            int n = ch.read(b);
            if (n < 0) {
                throw new IOException("closed");
            }
            got += n;
        }
        return got;
    }
}
