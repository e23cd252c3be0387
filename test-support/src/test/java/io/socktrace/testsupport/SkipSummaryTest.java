package io.socktrace.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SkipSummaryTest {

    @Test
    void read_keepsThisBuildsRecords_andDeletesOlderBuilds(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve(SkipRecord.fileName("2026-01-01T00:00:00.000Z", "agent", "7")),
                List.of(new SkipRecord("agent", "LoadingIT.x", 1, "needs root: run as root").toLine()));
        Files.write(dir.resolve(SkipRecord.fileName("2026-01-02T00:00:00.000Z", "agent", "8")),
                List.of(new SkipRecord("agent", "LoadingIT.y", 1, "needs root: run as root").toLine(),
                        new SkipRecord("pcap-correlator", "CorrelationEndToEndTest", 11, "needs root and\ttcpdump: a;\n b").toLine()));

        List<SkipRecord> records = SkipSummary.read(dir, "2026-01-02T00:00:00.000Z");

        assertEquals(2, records.size());
        assertEquals("LoadingIT.y", records.get(0).test);
        assertEquals(11, records.get(1).tests);
        assertEquals("needs root and tcpdump: a; b", records.get(1).reason);
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "the older build's file is gone");
        }
    }

    @Test
    void print_groupsByReason_thenByClass_andCountsClassesByTheirTests() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SkipSummary.print(List.of(
                new SkipRecord("pcap-correlator", "HtmlTimelineTest.chromium_a", 1, "needs chromium: apt-get install chromium"),
                new SkipRecord("pcap-correlator", "CorrelationEndToEndTest", 11, "needs root: run the build as root"),
                new SkipRecord("pcap-correlator", "HtmlTimelineTest.chromium_b", 1, "needs chromium: apt-get install chromium")),
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();

        assertEquals("socktrace: 13 tests were NOT run on this machine, by reason:", lines.get(1));
        assertEquals("  needs chromium: apt-get install chromium  (2 tests)", lines.get(2));
        assertEquals("      pcap-correlator/HtmlTimelineTest: chromium_a, chromium_b", lines.get(3));
        assertEquals("  needs root: run the build as root  (11 tests)", lines.get(4));
        assertEquals("      pcap-correlator/CorrelationEndToEndTest: all 11 tests", lines.get(5));
    }

    @Test
    void print_nothingSkipped_saysSo() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SkipSummary.print(List.of(), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertEquals("socktrace: every test ran; none was skipped", bytes.toString(StandardCharsets.UTF_8).lines().toList().get(1));
    }

    @Test
    void reason_namesEveryMissingRequirementAndItsRemedy() {
        String reason = Requirements.reason(List.of(Requirement.root(), Requirement.command("no-such-tool-x", "no-such-package")));
        // root is met or not depending on who runs this; the reason is built from what it is given
        assertEquals("needs root and no-such-tool-x: run the build as root (sudo -E mvn -B verify), as CI does; "
                + "apt-get install no-such-package", reason);
        assertFalse(Requirement.command("no-such-tool-x", "p").met());
        assertTrue(Requirement.command("sh", "dash").met(), "sh is on every PATH");
    }

    @Test
    void strictMode_toleratesOnlyAMissingNewerJdk() {
        assertTrue(Requirements.toleratedWhenStrict(Requirements.reason(List.of(Requirement.jdk(99)))));
        assertFalse(Requirements.toleratedWhenStrict(Requirements.reason(List.of(Requirement.command("no-such-tool-x", "p")))));
        assertFalse(Requirements.toleratedWhenStrict(
                Requirements.reason(List.of(Requirement.jdk(99), Requirement.command("no-such-tool-x", "p")))));
        assertFalse(Requirements.toleratedWhenStrict("disabled"));
    }
}
