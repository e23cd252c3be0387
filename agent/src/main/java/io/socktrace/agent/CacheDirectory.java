package io.socktrace.agent;

import java.io.BufferedReader;
import java.io.File;
import java.io.FileReader;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * The user's own cache directory for socktrace's woven classes: {@code $XDG_CACHE_HOME/socktrace},
 * else {@code ~/.cache/socktrace}. Its files become code in {@code java.base}, so it is used only
 * when it is a real directory (not a symbolic link), owned by the user the JVM runs as, and
 * writable by no one else; it is created {@code rwx------}. Where there is no such directory (a
 * read-only or missing home, a directory someone else made) nothing is cached: the agent weaves in
 * memory and works the same, only its first socket costs more.
 */
final class CacheDirectory {

    /** Group- and other-write permission bits. */
    private static final int WRITABLE_BY_OTHERS = 0022;

    private CacheDirectory() {
    }

    /** The directory, or null with the reason given to {@code why} (for the agent's debug log). */
    static File find(StringBuilder why) {
        try {
            String xdg = System.getenv("XDG_CACHE_HOME");
            Path base;
            if (xdg != null && !xdg.isEmpty() && new File(xdg).isAbsolute()) {
                base = Path.of(xdg);
            } else {
                String home = System.getProperty("user.home");
                if (home == null || home.isEmpty() || home.equals("?") || !new File(home).isAbsolute()) {
                    why.append("no home directory");
                    return null;
                }
                base = Path.of(home, ".cache");
            }
            Path dir = base.resolve("socktrace");
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    if (!Files.isDirectory(base)) {
                        Files.createDirectories(base);
                    }
                    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } catch (FileAlreadyExistsException raced) {
                    // another JVM made it: checked below like any existing directory
                }
            }
            String problem = untrusted(dir, effectiveUid());
            if (problem != null) {
                why.append(dir).append(' ').append(problem);
                return null;
            }
            return dir.toFile();
        } catch (IOException | RuntimeException e) {
            why.append("no usable cache directory: ").append(e);
            return null;
        }
    }

    /**
     * Why {@code dir} must not hold code for this process, or null when it may: a symbolic link, not
     * a directory, owned by another user, or writable by others.
     */
    static String untrusted(Path dir, long uid) throws IOException {
        if (uid < 0) {
            return "cannot be checked: this process's user id is unknown";
        }
        if (Files.isSymbolicLink(dir)) {
            return "is a symbolic link";
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return "is not a directory";
        }
        Map<String, Object> attributes = Files.readAttributes(dir, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
        int owner = (Integer) attributes.get("uid");
        int mode = (Integer) attributes.get("mode");
        if (owner != uid) {
            return "is owned by user " + owner + ", not by this process's user " + uid;
        }
        if ((mode & WRITABLE_BY_OTHERS) != 0) {
            return "is writable by others (mode " + Integer.toOctalString(mode & 07777) + ")";
        }
        if (!Files.isWritable(dir)) {
            return "is not writable";
        }
        return null;
    }

    /**
     * This process's effective user id from {@code /proc/self/status} ({@code Uid:} real, effective,
     * saved, filesystem), or -1 without {@code /proc}. java.io: NIO streams would load
     * SocketChannelImpl on JDK 25 before it can be instrumented as it loads.
     */
    static long effectiveUid() {
        try (BufferedReader in = new BufferedReader(new FileReader("/proc/self/status"))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.startsWith("Uid:")) {
                    return secondNumber(line.substring(4));
                }
            }
        } catch (IOException | RuntimeException e) {
            // no /proc: treated as unknown
        }
        return -1;
    }

    /** The second of the whitespace-separated numbers in {@code text}, or -1 (no regex: premain runs interpreted). */
    private static long secondNumber(String text) {
        int i = 0;
        for (int field = 0; field < 2; field++) {
            while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < text.length() && Character.isDigit(text.charAt(i))) {
                i++;
            }
            if (start == i) {
                return -1;
            }
            if (field == 1) {
                return Long.parseLong(text.substring(start, i));
            }
        }
        return -1;
    }
}
