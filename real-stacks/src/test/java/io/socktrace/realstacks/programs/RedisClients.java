package io.socktrace.realstacks.programs;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.Jedis;

/**
 * Redis's own Java clients against a real redis-server on loopback (its port the first argument):
 * Jedis (blocking sockets), Lettuce (Netty, on its native epoll transport when present), and a
 * connection an admin kills with {@code CLIENT KILL}. Prints what the application got ("result"
 * lines, the same with and without an agent) and the server's list of its clients.
 */
public final class RedisClients {

    public static final int KEYS = 20;

    private RedisClients() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        try (Jedis jedis = new Jedis("127.0.0.1", port); Jedis victim = new Jedis("127.0.0.1", port);
             Jedis admin = new Jedis("127.0.0.1", port)) {
            jedis.clientSetname("jedis");
            int back = 0;
            for (int i = 0; i < KEYS; i++) {
                jedis.set("jedis:" + i, "v" + i);
            }
            for (int i = 0; i < KEYS; i++) {
                back += ("v" + i).equals(jedis.get("jedis:" + i)) ? 1 : 0;
            }
            System.out.println("result jedis " + back + " of " + KEYS + " values back");

            RedisClient lettuce = RedisClient.create(RedisURI.create("redis://127.0.0.1:" + port));
            try (StatefulRedisConnection<String, String> connection = lettuce.connect()) {
                RedisAsyncCommands<String, String> async = connection.async();
                async.clientSetname("lettuce").get(10, TimeUnit.SECONDS);
                List<io.lettuce.core.RedisFuture<String>> gets = new ArrayList<>();
                for (int i = 0; i < KEYS; i++) {
                    async.set("lettuce:" + i, "w" + i);
                    gets.add(async.get("lettuce:" + i));
                }
                int got = 0;
                for (int i = 0; i < KEYS; i++) {
                    got += ("w" + i).equals(gets.get(i).get(10, TimeUnit.SECONDS)) ? 1 : 0;
                }
                System.out.println("result lettuce " + got + " of " + KEYS + " values back");
                System.out.println("lettuce on epoll: " + io.netty.channel.epoll.Epoll.isAvailable());

                victim.clientSetname("victim");
                victim.ping();
                admin.clientSetname("admin");
                String victimAddress = null;
                for (String client : admin.clientList().split("\n")) {
                    String name = field(client, "name");
                    String address = field(client, "addr");
                    System.out.println("   redis client " + name + " " + address);
                    if ("victim".equals(name)) {
                        victimAddress = address;
                    }
                }
                admin.clientKill(victimAddress);
                Thread.sleep(200);
                try {
                    victim.ping();
                    System.out.println("result victim still answered");
                } catch (RuntimeException e) {
                    System.out.println("result victim " + e.getClass().getSimpleName());
                }
            } finally {
                lettuce.shutdown(0, 2, TimeUnit.SECONDS);
            }
        }
    }

    private static String field(String clientLine, String name) {
        for (String part : clientLine.trim().split(" ")) {
            if (part.startsWith(name + "=")) {
                return part.substring(name.length() + 1);
            }
        }
        return null;
    }
}
