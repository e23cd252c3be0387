package io.socktrace.instrumentation;

import io.socktrace.runtime.AgentLog;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.zip.CRC32;

/**
 * Woven class files kept on disk between runs, so that a JVM whose JDK classes and agent are the
 * same as a previous run's takes the woven bytes from a file and never loads Byte Buddy: weaving
 * the first socket class costs ~0.8 s cold (about 900 Byte Buddy classes loaded and run
 * interpreted), reading a file a few hundred microseconds.
 *
 * <p>An entry is keyed by the class name, the CRC-32 and length of the class file the JVM passed
 * in (another JDK build, or another agent having changed it first, is another key), whether the
 * connection field is added, and a tag of the agent's weaving code (another socktrace build is
 * another key). Its content carries the CRC-32 of the woven bytes, checked on every read: a
 * truncated or damaged file is woven again and rewritten, never used. Files are written to a
 * temporary name and renamed, so concurrent JVMs never read half a file.
 *
 * <p>The directory is the user's own ({@code $XDG_CACHE_HOME/socktrace} or
 * {@code ~/.cache/socktrace}, created {@code rwx------}): its files become code in
 * {@code java.base}, so a directory other users could write to is never used. I/O through
 * {@code java.io} only: this runs while the JDK defines its socket classes, and NIO channels would
 * load the very classes being defined.
 */
final class WovenClassCache {

    private static final int MAGIC = 0x53545743; // "STWC"
    private static final int VERSION = 1;

    /** A cache that finds nothing and keeps nothing. */
    static final WovenClassCache NONE = new WovenClassCache(null, null);

    private final File directory;
    private final String agentTag;

    private WovenClassCache(File directory, String agentTag) {
        this.directory = directory;
        this.agentTag = agentTag;
    }

    /**
     * The cache in {@code directory} for woven output of the agent build {@code agentTag}, or
     * {@link #NONE} when either is null.
     */
    static WovenClassCache in(File directory, String agentTag) {
        return directory == null || agentTag == null ? NONE : new WovenClassCache(directory, agentTag);
    }

    /** The woven bytes stored for this input, or null (none, unreadable, or damaged). */
    byte[] find(String internalName, byte[] input, boolean addField) {
        if (directory == null) {
            return null;
        }
        File file = file(internalName, input, addField);
        if (file.length() == 0) { // java.io: 0 when absent; no exception for the usual miss
            return null;
        }
        try (DataInputStream in = new DataInputStream(new FileInputStream(file))) {
            if (in.readInt() != MAGIC || in.readInt() != VERSION) {
                return null;
            }
            long crc = in.readLong();
            int length = in.readInt();
            if (length <= 0 || length != file.length() - 20) {
                return null;
            }
            byte[] woven = new byte[length];
            in.readFully(woven);
            return crc(woven) == crc ? woven : null;
        } catch (IOException e) {
            return null; // vanished or damaged: woven again and rewritten
        }
    }

    /** Keeps {@code woven} for this input; a failure only means the next run weaves again. */
    void store(String internalName, byte[] input, boolean addField, byte[] woven) {
        if (directory == null) {
            return;
        }
        File file = file(internalName, input, addField);
        File tmp = null;
        try {
            // not File.createTempFile: its SecureRandom initialises java.security, which on JDK 25
            // reads files through NIO streams and so loads SocketChannelImpl in the middle of this
            tmp = new File(directory, new StringBuilder(file.getName()).append('.').append(ProcessHandle.current().pid())
                    .append('.').append(Thread.currentThread().getId()).append(".tmp").toString());
            if (!tmp.createNewFile() && !(tmp.delete() && tmp.createNewFile())) {
                throw new IOException("could not create " + tmp);
            }
            try (DataOutputStream out = new DataOutputStream(new FileOutputStream(tmp))) {
                out.writeInt(MAGIC);
                out.writeInt(VERSION);
                out.writeLong(crc(woven));
                out.writeInt(woven.length);
                out.write(woven);
            }
            Files.move(tmp.toPath(), file.toPath(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
        } catch (IOException | RuntimeException e) {
            AgentLog.debug("could not keep the woven " + internalName + " in " + directory + ": " + e);
        } finally {
            if (tmp != null) {
                tmp.delete();
            }
        }
    }

    private File file(String internalName, byte[] input, boolean addField) {
        // StringBuilder, not string concatenation: its invokedynamic bootstrap costs start-up time
        String name = new StringBuilder(internalName.replace('/', '.')).append('-')
                .append(Long.toHexString(crc(input))).append('-').append(Integer.toHexString(input.length))
                .append(addField ? "-field-" : "-shape-").append(agentTag).append(".class").toString();
        return new File(directory, name);
    }

    private static long crc(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length);
        return crc.getValue();
    }
}
