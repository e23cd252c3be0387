package io.socktrace.correlator.capture;

/**
 * A capture file that cannot be read on: wrong magic, absurd or inconsistent lengths, truncation
 * where a header is needed, an unsupported link type. The message always names the file and the
 * byte offset where the problem was found, so a user can look at it with a hex dump.
 */
public final class CaptureFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final long offset;

    /**
     * @param file    the file name as the user gave it
     * @param offset  byte offset in the file of the record or header at fault
     * @param problem what is wrong, e.g. {@code "truncated packet record"}
     * @param detail  extra facts such as lengths, or {@code null}
     */
    public CaptureFormatException(String file, long offset, String problem, String detail) {
        super(file + ": " + problem + " at offset " + offset + (detail == null ? "" : " (" + detail + ")"));
        this.file = file;
        this.offset = offset;
    }

    /** The file name as given by the user. */
    public String file() {
        return file;
    }

    /** The byte offset in the file where the problem was found. */
    public long offset() {
        return offset;
    }
}
