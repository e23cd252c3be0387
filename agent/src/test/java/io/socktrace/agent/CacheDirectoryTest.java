package io.socktrace.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CacheDirectoryTest {

    @TempDir
    Path tmp;

    private long me() throws Exception {
        Path probe = Files.createFile(tmp.resolve("probe"));
        return ((Integer) Files.getAttribute(probe, "unix:uid")).longValue();
    }

    @Test
    void effectiveUid_isTheOwnerOfTheFilesThisProcessCreates() throws Exception {
        assertThat(CacheDirectory.effectiveUid()).isEqualTo(me());
    }

    @Test
    void untrusted_acceptsOnlyAnOwnDirectoryNoOneElseCanWrite() throws Exception {
        long uid = me();
        Path dir = Files.createDirectory(tmp.resolve("socktrace"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        assertThat(CacheDirectory.untrusted(dir, uid)).isNull();

        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(CacheDirectory.untrusted(dir, uid)).as("readable by others is not a risk to this JVM").isNull();

        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwx---"));
        assertThat(CacheDirectory.untrusted(dir, uid)).isEqualTo("is writable by others (mode 770)");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx----w-"));
        assertThat(CacheDirectory.untrusted(dir, uid)).isEqualTo("is writable by others (mode 702)");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));

        assertThat(CacheDirectory.untrusted(dir, uid + 1)).isEqualTo("is owned by user " + uid + ", not by this process's user " + (uid + 1));
        assertThat(CacheDirectory.untrusted(dir, -1)).isEqualTo("cannot be checked: this process's user id is unknown");
    }

    @Test
    void untrusted_rejectsLinksAndFiles() throws Exception {
        long uid = me();
        Path real = Files.createDirectory(tmp.resolve("real"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
        assertThat(CacheDirectory.untrusted(link, uid)).isEqualTo("is a symbolic link");
        Path file = Files.createFile(tmp.resolve("file"));
        assertThat(CacheDirectory.untrusted(file, uid)).isEqualTo("is not a directory");
    }
}
