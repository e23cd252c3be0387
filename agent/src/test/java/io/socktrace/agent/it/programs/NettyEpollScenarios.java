package io.socktrace.agent.it.programs;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Netty's native epoll transport on loopback, the ways a connection goes: an echo (three
 * messages written before one flush, so epoll sends them with one gathering write, and echoed
 * back), a connect to a port nobody listens on, one that Netty's own connect timeout ends, a server that aborts the connection (SO_LINGER
 * 0) after the first bytes, so the client's read fails with a reset. With {@code io_uring} as the
 * argument it also loads Netty's io_uring channel class, which socktrace does not trace; with
 * {@code late <file>} it echoes once, says "ready" and waits for the file (an agent attached meanwhile).
 */
public final class NettyEpollScenarios {

    public static final int[] MESSAGES = {10, 1000, 100_000};

    private NettyEpollScenarios() {
    }

    public static void main(String[] args) throws Exception {
        if (!Epoll.isAvailable()) {
            throw new IllegalStateException("epoll unavailable", Epoll.unavailabilityCause());
        }
        if (args.length > 0 && args[0].equals("close-wait")) {
            EventLoopGroup group = new EpollEventLoopGroup(2);
            try {
                closeWait(group);
            } finally {
                group.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
            }
            return;
        }
        if (args.length > 0 && args[0].equals("io_uring")) {
            Class.forName("io.netty.channel.uring.IoUringSocketChannel", false, NettyEpollScenarios.class.getClassLoader());
            System.out.println("loaded io_uring");
        }
        EventLoopGroup group = new EpollEventLoopGroup(2);
        try {
            if (args.length > 1 && args[0].equals("late")) {
                // Netty's classes load and carry a connection before the agent arrives (the last argument: the file to wait for)
                echo(group, "warmup");
                System.out.println("ready");
                java.nio.file.Path go = java.nio.file.Path.of(args[args.length - 1]);
                for (int i = 0; i < 600 && !java.nio.file.Files.exists(go); i++) {
                    Thread.sleep(100);
                }
            }
            echo(group, "echo");
            refused(group);
            connectTimeout(group, EpollSocketChannel.class, "timeout");
            EventLoopGroup nio = new io.netty.channel.nio.NioEventLoopGroup(1);
            try {
                connectTimeout(nio, io.netty.channel.socket.nio.NioSocketChannel.class, "nio-timeout");
            } finally {
                nio.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
            }
            reset(group);
            udp(group);
            slowReader(group);
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        }
    }

    private static void echo(EventLoopGroup group, String name) throws Exception {
        long total = 0;
        for (int m : MESSAGES) {
            total += m;
        }
        Channel server = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ctx.writeAndFlush(msg);
                            }
                        });
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        AtomicLong echoed = new AtomicLong();
        CountDownLatch allBack = new CountDownLatch(1);
        long expected = total;
        Channel client = new Bootstrap().group(group).channel(EpollSocketChannel.class)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ByteBuf buf = (ByteBuf) msg;
                        if (echoed.addAndGet(buf.readableBytes()) >= expected) {
                            allBack.countDown();
                        }
                        buf.release();
                    }
                })
                .connect(server.localAddress()).sync().channel();
        printSockets(name, client);
        for (int m : MESSAGES) {
            client.write(Unpooled.directBuffer(m).writeZero(m));
        }
        client.flush();
        boolean done = allBack.await(20, TimeUnit.SECONDS);
        System.out.println("echoed " + echoed.get() + " of " + total + (done ? "" : " (timed out)"));
        client.close().sync();
        Thread.sleep(300); // the server reads the end of stream and closes its side
        server.close().sync();
    }

    private static void refused(EventLoopGroup group) throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // free again once closed: nobody listens there
        }
        System.out.println("   target refused 127.0.0.1:" + port);
        Throwable failure = new Bootstrap().group(group).channel(EpollSocketChannel.class)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(new InetSocketAddress("127.0.0.1", port)).await().cause();
        System.out.println("refused: " + failure);
    }

    /**
     * Netty's own connect timeout (300 ms), on the given transport, on a listener that never accepts and whose accept queue
     * plain sockets filled (backlog 1): the SYN is dropped, Netty's timeout task closes the channel.
     */
    private static void connectTimeout(EventLoopGroup group, Class<? extends Channel> type, String name) throws Exception {
        java.util.List<java.net.Socket> fillers = new java.util.ArrayList<>();
        try (java.net.ServerSocket listener = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            InetSocketAddress target = new InetSocketAddress("127.0.0.1", listener.getLocalPort());
            for (int i = 0; i < 16; i++) {
                java.net.Socket filler = new java.net.Socket();
                try {
                    filler.connect(target, 200);
                    fillers.add(filler);
                } catch (java.net.SocketTimeoutException full) {
                    filler.close();
                    break;
                }
            }
            System.out.println("   target " + name + " 127.0.0.1:" + target.getPort());
            System.out.println(name + " fillers connected " + fillers.size());
            long start = System.nanoTime();
            Throwable failure = new Bootstrap().group(group).channel(type)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 300)
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(target).await().cause();
            System.out.println(name + ": " + failure + " after " + (System.nanoTime() - start) / 1_000_000 + " ms");
        } finally {
            for (java.net.Socket filler : fillers) {
                filler.close();
            }
        }
    }

    private static void reset(EventLoopGroup group) throws Exception {
        Channel server = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                .childOption(ChannelOption.SO_LINGER, 0)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ((ByteBuf) msg).release();
                        ctx.close(); // linger 0: an RST, not a FIN
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        AtomicReference<Throwable> seen = new AtomicReference<>();
        CountDownLatch failed = new CountDownLatch(1);
        Channel client = new Bootstrap().group(group).channel(EpollSocketChannel.class)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        seen.set(cause);
                        failed.countDown();
                        ctx.close();
                    }
                })
                .connect(server.localAddress()).sync().channel();
        printSockets("reset", client);
        client.writeAndFlush(Unpooled.directBuffer(5).writeZero(5));
        boolean got = failed.await(10, TimeUnit.SECONDS);
        System.out.println("reset: " + (got ? seen.get() : "no failure"));
        client.close().sync();
        server.close().sync();
    }

    /**
     * A server that never reads (auto-read off): the client queues 8 MiB and flushes; epoll's
     * gathering writes come back short, then empty, and the client closes a second later.
     */
    private static void slowReader(EventLoopGroup group) throws Exception {
        Channel server = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInboundHandlerAdapter())
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        Channel client = new Bootstrap().group(group).channel(EpollSocketChannel.class)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(server.localAddress()).sync().channel();
        printSockets("slow", client);
        for (int i = 0; i < 4; i++) {
            client.write(Unpooled.directBuffer(2 << 20).writeZero(2 << 20));
        }
        client.flush();
        Thread.sleep(1000);
        System.out.println("slow: writable " + client.isWritable());
        client.close().sync();
        server.close().sync();
    }

    /** A connected UDP socket (connect, write, read like TCP's): no TCP connection to record. */
    private static void udp(EventLoopGroup group) throws Exception {
        CountDownLatch received = new CountDownLatch(1);
        Channel server = new Bootstrap().group(group).channel(io.netty.channel.epoll.EpollDatagramChannel.class)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        io.netty.util.ReferenceCountUtil.release(msg);
                        received.countDown();
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        InetSocketAddress at = (InetSocketAddress) server.localAddress();
        System.out.println("   target udp 127.0.0.1:" + at.getPort());
        Channel client = new Bootstrap().group(group).channel(io.netty.channel.epoll.EpollDatagramChannel.class)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(at).sync().channel();
        System.out.println("udp client port " + ((InetSocketAddress) client.localAddress()).getPort());
        client.writeAndFlush(Unpooled.directBuffer(7).writeZero(7)).sync();
        System.out.println("udp: " + (received.await(5, TimeUnit.SECONDS) ? "datagram received" : "nothing received"));
        client.close().sync();
        server.close().sync();
    }

    /**
     * A server that lets half-closed connections be (ALLOW_HALF_CLOSURE) and forgets to close: the
     * client writes 10 bytes and closes, the server's socket sits in CLOSE_WAIT for 2.5 s.
     */
    private static void closeWait(EventLoopGroup group) throws Exception {
        AtomicReference<Channel> accepted = new AtomicReference<>();
        Channel server = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        accepted.set(ctx.channel());
                    }

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ((ByteBuf) msg).release(); // and never a close when the input ends
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        Channel client = new Bootstrap().group(group).channel(EpollSocketChannel.class)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(server.localAddress()).sync().channel();
        printSockets("closewait", client);
        client.writeAndFlush(Unpooled.directBuffer(10).writeZero(10)).sync();
        client.close().sync();
        Thread.sleep(2500);
        System.out.println("server channel still open: " + accepted.get().isOpen());
        accepted.get().close().sync();
        server.close().sync();
    }

    private static void printSockets(String name, Channel client) {
        InetSocketAddress local = (InetSocketAddress) client.localAddress();
        InetSocketAddress remote = (InetSocketAddress) client.remoteAddress();
        System.out.println("   socket " + name + "-client " + local.getAddress().getHostAddress() + ":" + local.getPort() + " -> "
                + remote.getAddress().getHostAddress() + ":" + remote.getPort());
        System.out.println("   socket " + name + "-server " + remote.getAddress().getHostAddress() + ":" + remote.getPort() + " -> "
                + local.getAddress().getHostAddress() + ":" + local.getPort());
    }
}
