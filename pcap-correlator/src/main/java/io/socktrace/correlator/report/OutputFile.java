package io.socktrace.correlator.report;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * How the file outputs appear: written under a temporary name beside the target and moved into
 * place at the end, so a failure never leaves a half-written file under the requested name.
 */
final class OutputFile {

    private OutputFile() {
    }

    /** Replaces {@code target} with {@code temporary}: atomically where the file system can. */
    static void moveIntoPlace(Path temporary, Path target) throws IOException {
        try {
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
