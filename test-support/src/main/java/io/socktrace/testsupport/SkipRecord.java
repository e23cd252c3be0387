package io.socktrace.testsupport;

/** One skipped test (or class, with how many tests it held) as one tab-separated line of a record file. */
final class SkipRecord {
    final String module;
    final String test;
    final int tests;
    final String reason;

    SkipRecord(String module, String test, int tests, String reason) {
        this.module = module;
        this.test = test;
        this.tests = tests;
        this.reason = reason.replaceAll("\\s+", " ").trim();
    }

    static String fileName(String build, String module, String pid) {
        return prefix(build) + module + "-" + pid + ".tsv";
    }

    /** Every record file of one build starts with this. */
    static String prefix(String build) {
        return "skipped-" + build.replaceAll("[^0-9A-Za-z]", "") + "-";
    }

    String toLine() {
        return module + "\t" + test + "\t" + tests + "\t" + reason;
    }

    static SkipRecord parse(String line) {
        String[] f = line.split("\t", 4);
        if (f.length != 4) {
            throw new IllegalArgumentException("not a skip record: " + line);
        }
        return new SkipRecord(f[0], f[1], Integer.parseInt(f[2]), f[3]);
    }
}
