package io.socktrace.correlator.join;

/**
 * One conclusion about a connection, with a stable code (the codes of the finding table in the
 * README's "Lining a recording up with a packet capture"; JSON carries the code) and a one-line
 * explanation with the numbers behind it.
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
