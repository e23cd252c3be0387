package io.socktrace.correlator.join;

/**
 * One conclusion about a connection, with a stable code (DESIGN.md's finding codes; JSON carries
 * the code) and a one-line explanation with the numbers behind it.
 */
public final class Finding {

    public final String code;
    public final String text;

    Finding(String code, String text) {
        this.code = code;
        this.text = text;
    }

    @Override
    public String toString() {
        return code + ": " + text;
    }
}
