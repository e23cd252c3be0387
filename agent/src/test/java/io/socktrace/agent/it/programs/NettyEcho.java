package io.socktrace.agent.it.programs;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Netty's NIO transport (selector event loops, non-blocking channels) echoing over loopback:
 * the client sends three messages and waits for every byte to come back, then closes.
 */
public final class NettyEcho {

    public static final int[] MESSAGES = {10, 1000, 100_000};

    private NettyEcho() {
    }

    public static void main(String[] args) throws Exception {
        long total = 0;
        for (int m : MESSAGES) {
            total += m;
        }
        EventLoopGroup group = new NioEventLoopGroup(2);
        try {
            Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    ctx.writeAndFlush(msg); // echo
                                }

                                @Override
                                public void channelInactive(ChannelHandlerContext ctx) {
                                    ctx.close();
                                }
                            });
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();

            AtomicLong echoed = new AtomicLong();
            CountDownLatch allBack = new CountDownLatch(1);
            final long expected = total;
            Channel client = new Bootstrap().group(group).channel(NioSocketChannel.class)
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
            InetSocketAddress local = (InetSocketAddress) client.localAddress();
            InetSocketAddress remote = (InetSocketAddress) client.remoteAddress();
            System.out.println("   socket client " + local.getAddress().getHostAddress() + ":" + local.getPort() + " -> "
                    + remote.getAddress().getHostAddress() + ":" + remote.getPort());
            System.out.println("   socket server " + remote.getAddress().getHostAddress() + ":" + remote.getPort() + " -> "
                    + local.getAddress().getHostAddress() + ":" + local.getPort());
            for (int m : MESSAGES) {
                client.writeAndFlush(Unpooled.wrappedBuffer(new byte[m]));
            }
            boolean done = allBack.await(20, TimeUnit.SECONDS);
            System.out.println("echoed " + echoed.get() + " of " + total + (done ? "" : " (timed out)"));
            client.close().sync();
            Thread.sleep(200); // let the server see the end of stream and close its side
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        }
    }
}
