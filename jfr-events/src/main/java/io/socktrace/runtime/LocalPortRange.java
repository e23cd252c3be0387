package io.socktrace.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The size of the ephemeral port range connects take their local ports from
 * ({@code /proc/sys/net/ipv4/ip_local_port_range}, "low high", inclusive; this process's network
 * namespace). Read at each statistics period, never on a socket call: an administrator may widen it
 * while the JVM runs.
 */
final class LocalPortRange {

    private static final Path FILE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

    private LocalPortRange() {
    }

    /** The number of ports in the range, or 0 when it cannot be read. */
    static long size() {
        // read as a stream: Files.readAllBytes trusts the size /proc reports and returned one byte here
        try (java.io.BufferedReader in = Files.newBufferedReader(FILE, StandardCharsets.US_ASCII)) {
            String line = in.readLine();
            return line == null ? 0 : parse(line);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    static long parse(String text) {
        String[] parts = text.trim().split("\\s+");
        if (parts.length != 2) {
            return 0;
        }
        long low = Long.parseLong(parts[0]);
        long high = Long.parseLong(parts[1]);
        return low > 0 && high >= low ? high - low + 1 : 0;
    }
}
