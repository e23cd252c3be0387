package io.socktrace.realstacks.programs;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * pgjdbc through a HikariCP pool of three against a real PostgreSQL on loopback (its port the first
 * argument, user {@code socktrace}, no password), then a connection the server terminates
 * ({@code pg_terminate_backend}, as an administrator or a failover would). Prints the results and
 * the server's own list of its client connections ({@code pg_stat_activity}).
 */
public final class PostgresClients {

    public static final int QUERIES = 30;
    public static final int POOL = 3;

    private PostgresClients() {
    }

    public static void main(String[] args) throws Exception {
        String url = "jdbc:postgresql://127.0.0.1:" + args[0] + "/postgres";
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername("socktrace");
        config.setMaximumPoolSize(POOL);
        config.setMinimumIdle(POOL);
        config.addDataSourceProperty("ApplicationName", "hikari");
        try (HikariDataSource pool = new HikariDataSource(config)) {
            int right = 0;
            for (int i = 0; i < QUERIES; i++) {
                try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement("SELECT 1 + ?")) {
                    s.setInt(1, i);
                    try (ResultSet r = s.executeQuery()) {
                        right += r.next() && r.getInt(1) == i + 1 ? 1 : 0;
                    }
                }
            }
            System.out.println("result hikari " + right + " of " + QUERIES + " answers");
            waitForPool(pool);

            Properties victimProperties = new Properties();
            victimProperties.setProperty("user", "socktrace");
            victimProperties.setProperty("ApplicationName", "victim");
            try (Connection victim = DriverManager.getConnection(url, victimProperties)) {
                int pid;
                try (Statement s = victim.createStatement(); ResultSet r = s.executeQuery("SELECT pg_backend_pid()")) {
                    r.next();
                    pid = r.getInt(1);
                }
                try (Connection admin = pool.getConnection(); Statement s = admin.createStatement()) {
                    try (ResultSet r = s.executeQuery("SELECT application_name, client_port FROM pg_stat_activity WHERE client_port > 0")) {
                        while (r.next()) {
                            System.out.println("   pg client " + r.getString(1) + " 127.0.0.1:" + r.getInt(2));
                        }
                    }
                    try (ResultSet r = s.executeQuery("SELECT pg_terminate_backend(" + pid + ")")) {
                        r.next();
                        System.out.println("result terminated " + r.getBoolean(1));
                    }
                }
                Thread.sleep(200);
                try (Statement s = victim.createStatement()) {
                    s.executeQuery("SELECT 1");
                    System.out.println("result victim still answered");
                } catch (SQLException e) {
                    System.out.println("result victim " + e.getClass().getSimpleName() + " " + e.getSQLState());
                }
            }
        }
    }

    /** Hikari fills its pool to the minimum in the background: wait until all three are open. */
    private static void waitForPool(HikariDataSource pool) throws InterruptedException {
        for (int i = 0; i < 100 && pool.getHikariPoolMXBean().getTotalConnections() < POOL; i++) {
            Thread.sleep(50);
        }
    }
}
