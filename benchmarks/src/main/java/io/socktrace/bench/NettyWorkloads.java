package io.socktrace.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Workloads on Netty's native epoll transport (what gRPC uses by default on Linux), which socktrace
 * traces through Netty's own Java wrappers of its JNI calls rather than the JDK's socket classes:
 * a request-response ping-pong on one connection, and connection churn. Both per second of the
 * process's CPU time, one event loop thread per side.
 */
final class NettyWorkloads {

    private NettyWorkloads() {
    }

    /** The client writes {@code size} bytes, the server echoes them, the client writes again once all are back. */
    static double pingPong(int size, long warmupNanos, long measuredNanos) throws Exception {
        requireEpoll();
        LongAdder roundTrips = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        EventLoopGroup serverGroup = new EpollEventLoopGroup(1);
        EventLoopGroup clientGroup = new EpollEventLoopGroup(1);
        try {
            Channel server = echoServer(serverGroup, false);
            Channel client = new Bootstrap().group(clientGroup).channel(EpollSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInboundHandlerAdapter() {
                        private int pending = size;

                        @Override
                        public void channelActive(ChannelHandlerContext ctx) {
                            ctx.writeAndFlush(ctx.alloc().directBuffer(size).writeZero(size));
                        }

                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ByteBuf buf = (ByteBuf) msg;
                            pending -= buf.readableBytes();
                            buf.release();
                            if (pending <= 0) {
                                pending = size;
                                roundTrips.increment();
                                if (!stop.get() && roundTrips.sum() < Workloads.MAX_OPERATIONS) {
                                    ctx.writeAndFlush(ctx.alloc().directBuffer(size).writeZero(size));
                                }
                            }
                        }
                    })
                    .connect(server.localAddress()).sync().channel();
            double rate = Workloads.ratePerCpuSecond(roundTrips, warmupNanos, measuredNanos);
            stop.set(true);
            client.close().sync();
            server.close().sync();
            return rate;
        } finally {
            clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
            serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    /** Connect, one byte each way, the client closes: connections per CPU second, one at a time. */
    static double churn(long warmupNanos, long measuredNanos) throws Exception {
        requireEpoll();
        LongAdder connections = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        EventLoopGroup serverGroup = new EpollEventLoopGroup(1);
        EventLoopGroup clientGroup = new EpollEventLoopGroup(1);
        try {
            Channel server = echoServer(serverGroup, true);
            Thread client = new Thread(() -> {
                try {
                    for (long i = 0; i < Workloads.MAX_OPERATIONS && !stop.get(); i++) {
                        CompletableFuture<Void> echoed = new CompletableFuture<>();
                        Channel c = new Bootstrap().group(clientGroup).channel(EpollSocketChannel.class)
                                .handler(new ChannelInboundHandlerAdapter() {
                                    @Override
                                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                        ((ByteBuf) msg).release();
                                        echoed.complete(null);
                                    }
                                })
                                .connect(server.localAddress()).sync().channel();
                        c.writeAndFlush(c.alloc().directBuffer(1).writeByte(1));
                        echoed.get(10, TimeUnit.SECONDS);
                        c.close().sync();
                        connections.increment();
                    }
                } catch (Exception e) {
                    if (!stop.get()) {
                        e.printStackTrace();
                    }
                }
            }, "netty-churn-client");
            client.setDaemon(true);
            client.start();
            double rate = Workloads.ratePerCpuSecond(connections, warmupNanos, measuredNanos);
            stop.set(true);
            client.join(10_000);
            server.close().sync();
            return rate;
        } finally {
            clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
            serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    /** Echoes what it reads; closes its side when the client's end of stream arrives (Netty does that by default). */
    private static Channel echoServer(EventLoopGroup group, boolean churn) throws InterruptedException {
        return new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, churn ? 200 : 1)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ctx.writeAndFlush(msg);
                    }

                    @Override
                    public boolean isSharable() {
                        return true;
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    private static void requireEpoll() {
        if (!Epoll.isAvailable()) {
            throw new IllegalStateException("Netty's epoll transport is unavailable here", Epoll.unavailabilityCause());
        }
    }
}
