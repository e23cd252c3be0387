package io.socktrace.agent.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** A sampler must survive whatever the file holds: bad lines are skipped and counted, never thrown. */
class TcpTableGarbageTest {

    private static final String HEADER =
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
    private static final String GOOD_ROW =
            "   0: 0100007F:9ED5 0100007F:D758 01 00000000:0001F3E5 00:00000000 00000000     0        0 77836 1 0000000086455637 20 8 0 10 -1\n";

    private static TcpTable parse(String content) {
        byte[] data = Samples.ascii(content);
        TcpTable table = new TcpTable();
        table.parse(data, data.length, row -> { });
        return table;
    }

    @Test
    void parse_goodRow_isParsed() {
        TcpTable table = parse(HEADER + GOOD_ROW);
        assertThat(table.rows()).isEqualTo(1);
        assertThat(table.skippedLines()).isZero();
    }

    @Test
    void parse_emptyAndHeaderOnly_noRowsNothingSkipped() {
        assertThat(parse("").rows()).isZero();
        assertThat(parse("").skippedLines()).isZero();
        assertThat(parse(HEADER).rows()).isZero();
        assertThat(parse(HEADER).skippedLines()).isZero();
        assertThat(parse(HEADER + "\n   \n").skippedLines()).isZero();
    }

    @Test
    void parse_lastRowWithoutNewline_isSkippedAsTruncated() {
        // cut after "778" of inode 77836: it would parse, with the wrong inode
        String cut = GOOD_ROW.substring(0, GOOD_ROW.indexOf(" 77836") + 4);
        TcpTable table = parse(HEADER + GOOD_ROW + cut);
        assertThat(table.rows()).isEqualTo(1);
        assertThat(table.skippedLines()).isEqualTo(1);
    }

    @Test
    void parse_truncatedRow_isSkippedAndCounted() {
        String cut = GOOD_ROW.substring(0, GOOD_ROW.indexOf("00000000:0001F3E5") + 9);
        TcpTable table = parse(HEADER + GOOD_ROW + cut);
        assertThat(table.rows()).isEqualTo(1);
        assertThat(table.skippedLines()).isEqualTo(1);
    }

    @Test
    void parse_garbageLines_areSkippedAndCounted() {
        String content = HEADER
                + "hello world\n"
                + GOOD_ROW
                + "   1: 0100007F0:9ED5 0100007F:D758 01 00000000:00000000 00:00000000 00000000     0        0 1\n" // 9-digit address
                + "   2: 0100007F:9ED5 00000000000000000000000001000000:D758 01 00000000:00000000 00:00000000 00000000 0 0 1\n" // mixed families
                + "   3: 0100007F:9EDZ 0100007F:D758 01 00000000:00000000 00:00000000 00000000     0        0 1\n" // bad port
                + "   4: 0100007F:9ED5 0100007F:D758 01 00000000:00000000 00:00000000 00000000     0        0 -1\n" // negative inode
                + "   5: 0100007F:9ED5 0100007F:D758 01 000000000000000000:0 00:00000000 00000000     0        0 1\n" // 18 hex digits
                + "   6: 0100007F:9ED5 0100007F:D758 01 00000000:00000000 00:00000000 00000000     0        0 12a\n" // inode not a number
                + "   7:0100007F:9ED5 0100007F:D758 01 00000000:00000000 00:00000000 00000000     0        0 1\n" // no space after sl
                + ":\n"
                + "\u00ff\u00fe\u0001\n"
                + GOOD_ROW;
        TcpTable table = parse(content);
        assertThat(table.rows()).isEqualTo(2);
        assertThat(table.skippedLines()).isEqualTo(10);
    }

    @Test
    void parse_sampleCutAtEveryLength_neverThrows() {
        byte[] sample = Samples.bytes("tcp6.txt");
        TcpTable table = new TcpTable();
        for (int length = 0; length <= sample.length; length++) {
            int cut = length;
            assertThatCode(() -> table.parse(sample, cut, row -> { })).doesNotThrowAnyException();
            assertThat(table.rows()).isBetween(0, 39);
        }
        // cut in the middle of the last row: that row is skipped, the others survive
        int lastLineStart = lastLineStart(sample);
        table.parse(sample, lastLineStart + 60, row -> { });
        assertThat(table.rows()).isEqualTo(38);
        assertThat(table.skippedLines()).isEqualTo(1);
    }

    @Test
    void parse_randomlyCorruptedSample_neverThrows() {
        byte[] sample = Samples.bytes("tcp.txt");
        Random random = new Random(42);
        TcpTable table = new TcpTable();
        int totalSkipped = 0;
        for (int round = 0; round < 2_000; round++) {
            byte[] data = sample.clone();
            for (int i = 0; i < 1 + random.nextInt(8); i++) {
                data[random.nextInt(data.length)] = (byte) random.nextInt(256);
            }
            assertThatCode(() -> table.parse(data, data.length, row -> {
                assertThat(row.localAddressLength()).isIn(4, 16);
                assertThat(row.localPort()).isBetween(0, 0xffff);
                assertThat(row.inode()).isNotNegative();
            })).doesNotThrowAnyException();
            assertThat(table.rows() + table.skippedLines()).isLessThanOrEqualTo(data.length);
            totalSkipped += table.skippedLines();
        }
        assertThat(totalSkipped).isPositive();
    }

    @Test
    void parse_randomBytes_neverThrows() {
        Random random = new Random(7);
        TcpTable table = new TcpTable();
        for (int round = 0; round < 500; round++) {
            byte[] data = new byte[random.nextInt(2_000)];
            random.nextBytes(data);
            assertThatCode(() -> table.parse(data, data.length, row -> { })).doesNotThrowAnyException();
        }
    }

    private static int lastLineStart(byte[] data) {
        int end = data.length - 1; // the final newline
        int p = end - 1;
        while (data[p] != '\n') {
            p--;
        }
        return p + 1;
    }
}
