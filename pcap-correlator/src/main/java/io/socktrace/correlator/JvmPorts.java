package io.socktrace.correlator;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The TCP ports of one process's sockets, from {@code /proc}: the inodes behind its
 * {@code /proc/PID/fd} links matched to the rows of {@code /proc/PID/net/tcp} and {@code tcp6}
 * (the process's own network namespace). A socket contributes its local port and, when it is
 * connected, its remote port, so that a new connection to the same service is caught from its SYN.
 */
final class JvmPorts {
    private final Path proc;

    JvmPorts(long pid) {
        this.proc = Paths.get("/proc", Long.toString(pid));
    }

    /** True while the process exists (and we may read its descriptors). */
    boolean alive() {
        return Files.isDirectory(proc.resolve("fd"));
    }

    /** The ports now; an empty set if the process is gone. */
    Set<Integer> scan() {
        Set<Long> inodes = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[") && target.endsWith("]")) {
                        inodes.add(Long.parseLong(target.substring(8, target.length() - 1)));
                    }
                } catch (IOException | NumberFormatException e) {
                    // the descriptor closed while we listed the directory
                }
            }
        } catch (IOException e) {
            return Set.of();
        }
        Set<Integer> ports = new HashSet<>();
        for (String table : List.of("net/tcp", "net/tcp6")) {
            try {
                for (String line : Files.readAllLines(proc.resolve(table))) {
                    addPorts(line, inodes, ports);
                }
            } catch (IOException e) {
                // no IPv6 in this kernel, or the process just exited
            }
        }
        return ports;
    }

    /** One table row: "sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...". */
    static void addPorts(String line, Set<Long> inodes, Set<Integer> ports) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 10 || !f[0].endsWith(":")) {
            return; // the header line
        }
        long inode;
        try {
            inode = Long.parseLong(f[9]);
        } catch (NumberFormatException e) {
            return;
        }
        if (!inodes.contains(inode)) {
            return;
        }
        int local = port(f[1]);
        int remote = port(f[2]);
        if (local > 0) {
            ports.add(local);
        }
        if (remote > 0) {
            ports.add(remote);
        }
    }

    private static int port(String addressAndPort) {
        int colon = addressAndPort.lastIndexOf(':');
        try {
            return colon < 0 ? -1 : Integer.parseInt(addressAndPort.substring(colon + 1), 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
