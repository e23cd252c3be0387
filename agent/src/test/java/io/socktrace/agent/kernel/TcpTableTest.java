package io.socktrace.agent.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Expectations come from the captured samples (kernel/README.md), decoded independently of the
 * parser; ports, queues, timers and inodes are exact.
 */
class TcpTableTest {

    private static final byte[] LOOPBACK4 = {127, 0, 0, 1};
    private static final byte[] MAPPED_LOOPBACK4 = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 127, 0, 0, 1};
    private static final byte[] LOOPBACK6 = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

    private static List<TcpTable.Row> parse(String sample) {
        byte[] data = Samples.bytes(sample);
        List<TcpTable.Row> rows = new ArrayList<>();
        TcpTable table = new TcpTable();
        table.parse(data, data.length, row -> rows.add(row.copy()));
        return rows;
    }

    private static TcpTable.Row row(List<TcpTable.Row> rows, int localPort, int remotePort) {
        List<TcpTable.Row> found = new ArrayList<>();
        for (TcpTable.Row row : rows) {
            if (row.localPort() == localPort && row.remotePort() == remotePort) {
                found.add(row);
            }
        }
        assertThat(found).as("rows %d -> %d", localPort, remotePort).hasSize(1);
        return found.get(0);
    }

    @Test
    void parse_ipv4Sample_readsEveryRowAndSkipsNothing() {
        byte[] data = Samples.bytes("tcp.txt");
        TcpTable table = new TcpTable();
        int[] visits = {0};
        int rows = table.parse(data, data.length, row -> visits[0]++);
        assertThat(rows).isEqualTo(22);
        assertThat(visits[0]).isEqualTo(22);
        assertThat(table.rows()).isEqualTo(22);
        assertThat(table.skippedLines()).isZero();
    }

    @Test
    void parse_ipv6Sample_countsEveryState() {
        byte[] data = Samples.bytes("tcp6.txt");
        TcpTable table = new TcpTable();
        Map<TcpState, Integer> states = new EnumMap<>(TcpState.class);
        table.parse(data, data.length, row -> states.merge(row.state(), 1, Integer::sum));
        assertThat(table.rows()).isEqualTo(39);
        assertThat(table.skippedLines()).isZero();
        assertThat(states).containsExactlyInAnyOrderEntriesOf(Map.of(
                TcpState.LISTEN, 9,
                TcpState.ESTABLISHED, 22,
                TcpState.SYN_SENT, 2,
                TcpState.CLOSE_WAIT, 2,
                TcpState.FIN_WAIT2, 2,
                TcpState.TIME_WAIT, 2));
    }

    @Test
    void parse_ipv4Listener_receiveQueueIsPendingConnections() {
        TcpTable.Row listener = row(parse("tcp.txt"), 46443, 0);
        assertThat(listener.state()).isEqualTo(TcpState.LISTEN);
        assertThat(listener.receiveQueue()).isEqualTo(2);
        assertThat(listener.sendQueue()).isZero();
        assertThat(listener.inode()).isEqualTo(650865);
        assertThat(listener.localAddressLength()).isEqualTo(4);
        assertThat(listener.localMatches(LOOPBACK4, 46443)).isTrue();
        assertThat(listener.remoteAddressLength()).isEqualTo(4);
        assertThat(listener.remoteMatches(new byte[4], 0)).isTrue();
        assertThat(listener.timerKind()).isEqualTo(TimerKind.NONE);
    }

    @Test
    void parse_ipv4Established_unreadBytesAndKeepaliveTimer() {
        List<TcpTable.Row> rows = parse("tcp.txt");
        TcpTable.Row serverSide = row(rows, 40711, 33990);
        assertThat(serverSide.state()).isEqualTo(TcpState.ESTABLISHED);
        assertThat(serverSide.receiveQueue()).isEqualTo(1000);
        assertThat(serverSide.sendQueue()).isZero();
        assertThat(serverSide.inode()).isEqualTo(650862);

        TcpTable.Row client = row(rows, 33990, 40711);
        assertThat(client.receiveQueue()).isEqualTo(3000);
        assertThat(client.timer()).isEqualTo(2);
        assertThat(client.timerKind()).isEqualTo(TimerKind.KEEPALIVE);
        // a 7200 s keepalive that started a few seconds before: the unit is 1/100 s, not jiffies
        assertThat(client.timerTicks()).isEqualTo(719615);
        assertThat(client.timerMillis()).isEqualTo(7_196_150);
        assertThat(client.inode()).isEqualTo(650861);
        assertThat(client.uid()).isZero();
    }

    @Test
    void parse_notYetAcceptedConnection_hasInodeZero() {
        TcpTable.Row pending = row(parse("tcp.txt"), 46443, 37630);
        assertThat(pending.state()).isEqualTo(TcpState.ESTABLISHED);
        assertThat(pending.inode()).isZero();
    }

    @Test
    void parse_closeWait_finCountsAsOneUnreadByte() {
        List<TcpTable.Row> rows = parse("tcp.txt");
        TcpTable.Row closeWait = row(rows, 34871, 37744);
        assertThat(closeWait.state()).isEqualTo(TcpState.CLOSE_WAIT);
        assertThat(closeWait.receiveQueue()).isEqualTo(1);
        assertThat(closeWait.inode()).isEqualTo(650870);

        // the closed client is already a time-wait socket: no inode, the time-wait timer
        TcpTable.Row finWait2 = row(rows, 37744, 34871);
        assertThat(finWait2.state()).isEqualTo(TcpState.FIN_WAIT2);
        assertThat(finWait2.timerKind()).isEqualTo(TimerKind.TIME_WAIT);
        assertThat(finWait2.timerTicks()).isEqualTo(5618);
        assertThat(finWait2.inode()).isZero();
    }

    @Test
    void parse_timeWait_shortRowWithoutTrailingColumns() {
        TcpTable.Row timeWait = row(parse("tcp.txt"), 37750, 34871);
        assertThat(timeWait.state()).isEqualTo(TcpState.TIME_WAIT);
        assertThat(timeWait.timer()).isEqualTo(3);
        assertThat(timeWait.timerTicks()).isEqualTo(5622);
        assertThat(timeWait.inode()).isZero();
    }

    @Test
    void parse_zeroWindow_sendQueueAndProbeTimer() {
        List<TcpTable.Row> rows = parse("tcp.txt");
        TcpTable.Row writer = row(rows, 45200, 42011);
        assertThat(writer.state()).isEqualTo(TcpState.ESTABLISHED);
        assertThat(writer.sendQueue()).isEqualTo(142848);
        assertThat(writer.timerKind()).isEqualTo(TimerKind.ZERO_WINDOW_PROBE);
        assertThat(writer.timerTicks()).isEqualTo(283);
        assertThat(writer.inode()).isEqualTo(650877);

        TcpTable.Row reader = row(rows, 42011, 45200);
        assertThat(reader.receiveQueue()).isEqualTo(127973);
    }

    @Test
    void parse_synDropped_synSentWithRetransmits() {
        TcpTable.Row connecting = row(parse("tcp.txt"), 34002, 44289);
        assertThat(connecting.state()).isEqualTo(TcpState.SYN_SENT);
        assertThat(connecting.sendQueue()).isEqualTo(1); // the SYN's sequence number
        assertThat(connecting.timerKind()).isEqualTo(TimerKind.RETRANSMIT);
        assertThat(connecting.timerTicks()).isEqualTo(28);
        assertThat(connecting.retransmits()).isEqualTo(3);
        assertThat(connecting.inode()).isEqualTo(649931);

        TcpTable.Row fullListener = row(parse("tcp.txt"), 44289, 0);
        assertThat(fullListener.receiveQueue()).isEqualTo(2); // backlog 1 admits 2: the check is "more than"
    }

    @Test
    void parse_ipv4MappedRow_givesIpv4Address() throws Exception {
        List<TcpTable.Row> rows = parse("tcp6.txt");
        TcpTable.Row serverSide = row(rows, 40777, 56432);
        assertThat(serverSide.state()).isEqualTo(TcpState.ESTABLISHED);
        assertThat(serverSide.localAddressLength()).isEqualTo(4);
        assertThat(serverSide.localAddress()).startsWith(LOOPBACK4);
        assertThat(serverSide.remoteAddressLength()).isEqualTo(4);
        assertThat(serverSide.receiveQueue()).isEqualTo(1000);
        assertThat(serverSide.inode()).isEqualTo(649950);
        assertThat(serverSide.localInetAddress())
                .isInstanceOf(Inet4Address.class)
                .isEqualTo(InetAddress.getByName("127.0.0.1"));

        TcpTable.Row client = row(rows, 56432, 40777);
        assertThat(client.receiveQueue()).isEqualTo(3000);
        assertThat(client.timerKind()).isEqualTo(TimerKind.KEEPALIVE);
        assertThat(client.timerTicks()).isEqualTo(719636);
        assertThat(client.inode()).isEqualTo(649949);
    }

    @Test
    void parse_ipv4MappedListener_remoteStaysUnspecifiedIpv6() {
        TcpTable.Row listener = row(parse("tcp6.txt"), 35449, 0);
        assertThat(listener.state()).isEqualTo(TcpState.LISTEN);
        assertThat(listener.receiveQueue()).isEqualTo(2);
        assertThat(listener.localAddressLength()).isEqualTo(4);
        assertThat(listener.remoteAddressLength()).isEqualTo(16);
        assertThat(listener.remoteMatches(new byte[16], 0)).isTrue();
        assertThat(listener.inode()).isEqualTo(649953);
    }

    @Test
    void parse_ipv6LoopbackRow_gives16Bytes() throws Exception {
        List<TcpTable.Row> rows = parse("tcp6.txt");
        TcpTable.Row serverSide = row(rows, 42867, 58412);
        assertThat(serverSide.localAddressLength()).isEqualTo(16);
        assertThat(serverSide.localAddress()).isEqualTo(LOOPBACK6);
        assertThat(serverSide.remoteAddress()).isEqualTo(LOOPBACK6);
        assertThat(serverSide.receiveQueue()).isEqualTo(1000);
        assertThat(serverSide.inode()).isEqualTo(649966);
        assertThat(serverSide.localInetAddress())
                .isInstanceOf(Inet6Address.class)
                .isEqualTo(InetAddress.getByName("::1"));
        assertThat(serverSide.toString())
                .startsWith("[0:0:0:0:0:0:0:1]:42867 -> [0:0:0:0:0:0:0:1]:58412 ESTABLISHED")
                .contains("receiveQueue=1000", "inode=649966");
    }

    @Test
    void parse_ipv6Rows_closeWaitSynSentZeroWindow() {
        List<TcpTable.Row> rows = parse("tcp6.txt");
        TcpTable.Row closeWait = row(rows, 34881, 59640);
        assertThat(closeWait.state()).isEqualTo(TcpState.CLOSE_WAIT);
        assertThat(closeWait.receiveQueue()).isEqualTo(1);
        assertThat(closeWait.inode()).isEqualTo(649973);

        TcpTable.Row synSent = row(rows, 50444, 42543);
        assertThat(synSent.state()).isEqualTo(TcpState.SYN_SENT);
        assertThat(synSent.retransmits()).isEqualTo(3);
        assertThat(synSent.timerTicks()).isEqualTo(56);
        assertThat(synSent.inode()).isEqualTo(649982);

        TcpTable.Row writer = row(rows, 56474, 37653);
        assertThat(writer.sendQueue()).isEqualTo(142848);
        assertThat(writer.timerKind()).isEqualTo(TimerKind.ZERO_WINDOW_PROBE);
        assertThat(writer.timerTicks()).isEqualTo(308);
        assertThat(writer.inode()).isEqualTo(649980);
        assertThat(row(rows, 37653, 56474).receiveQueue()).isEqualTo(127964);

        TcpTable.Row listener = row(rows, 42543, 0);
        assertThat(listener.localMatches(LOOPBACK6, 42543)).isTrue();
        assertThat(listener.receiveQueue()).isEqualTo(2);
    }

    @Test
    void localMatches_acceptsMappedAndPlainIpv4_rejectsOtherPortOrFamily() {
        TcpTable.Row mapped = row(parse("tcp6.txt"), 40777, 56432);
        assertThat(mapped.localMatches(LOOPBACK4, 40777)).isTrue();
        assertThat(mapped.localMatches(MAPPED_LOOPBACK4, 40777)).isTrue();
        assertThat(mapped.remoteMatches(MAPPED_LOOPBACK4, 56432)).isTrue();
        assertThat(mapped.localMatches(LOOPBACK4, 40778)).isFalse();
        assertThat(mapped.localMatches(LOOPBACK6, 40777)).isFalse();
        assertThat(mapped.localMatches(new byte[] {127, 0, 0, 2}, 40777)).isFalse();

        TcpTable.Row v6 = row(parse("tcp6.txt"), 42867, 58412);
        assertThat(v6.localMatches(LOOPBACK6, 42867)).isTrue();
        assertThat(v6.localMatches(LOOPBACK4, 42867)).isFalse();
    }

    @Test
    void parse_handsTheSameRowToEveryVisit_copyDetaches() {
        byte[] data = Samples.bytes("tcp6.txt");
        List<TcpTable.Row> seen = new ArrayList<>();
        List<Integer> ports = new ArrayList<>();
        new TcpTable().parse(data, data.length, row -> {
            seen.add(row);
            ports.add(row.localPort());
        });
        assertThat(seen).hasSize(39);
        assertThat(seen.get(0)).isSameAs(seen.get(38));
        assertThat(ports.get(0)).isEqualTo(37099);

        List<TcpTable.Row> copies = parse("tcp6.txt");
        assertThat(copies.get(0).localPort()).isEqualTo(37099);
        assertThat(copies.get(0)).isNotSameAs(copies.get(1));
    }

    @Test
    void parse_reusedTable_resetsCounts() {
        TcpTable table = new TcpTable();
        byte[] garbage = Samples.ascii("nonsense\n");
        table.parse(garbage, garbage.length, row -> { });
        assertThat(table.skippedLines()).isEqualTo(1);
        byte[] data = Samples.bytes("tcp.txt");
        table.parse(data, data.length, row -> { });
        assertThat(table.rows()).isEqualTo(22);
        assertThat(table.skippedLines()).isZero();
    }

    @Test
    void parse_lengthShorterThanBuffer_readsOnlyLength() {
        byte[] sample = Samples.bytes("tcp.txt");
        byte[] buffer = new byte[sample.length + 500];
        System.arraycopy(sample, 0, buffer, 0, sample.length);
        Arrays.fill(buffer, sample.length, buffer.length, (byte) 'x');
        TcpTable table = new TcpTable();
        assertThat(table.parse(buffer, sample.length, row -> { })).isEqualTo(22);
        assertThat(table.skippedLines()).isZero();
    }

    @Test
    void tcpState_fromKernel_knownAndUnknown() {
        assertThat(TcpState.fromKernel(1)).isEqualTo(TcpState.ESTABLISHED);
        assertThat(TcpState.fromKernel(8)).isEqualTo(TcpState.CLOSE_WAIT);
        assertThat(TcpState.fromKernel(10)).isEqualTo(TcpState.LISTEN);
        assertThat(TcpState.fromKernel(12)).isEqualTo(TcpState.NEW_SYN_RECV);
        assertThat(TcpState.fromKernel(0)).isEqualTo(TcpState.UNKNOWN);
        assertThat(TcpState.fromKernel(13)).isEqualTo(TcpState.UNKNOWN);
        assertThat(TcpState.fromKernel(-1)).isEqualTo(TcpState.UNKNOWN);
        for (TcpState state : TcpState.values()) {
            if (state != TcpState.UNKNOWN) {
                assertThat(TcpState.fromKernel(state.kernelValue())).isEqualTo(state);
            }
        }
    }

    @Test
    void timerKind_labels() {
        assertThat(TimerKind.fromKernel(0).label()).isEqualTo("none");
        assertThat(TimerKind.fromKernel(1).label()).isEqualTo("retransmit");
        assertThat(TimerKind.fromKernel(2).label()).isEqualTo("keepalive");
        assertThat(TimerKind.fromKernel(3).label()).isEqualTo("time-wait");
        assertThat(TimerKind.fromKernel(4).label()).isEqualTo("zero-window-probe");
        assertThat(TimerKind.fromKernel(5)).isEqualTo(TimerKind.UNKNOWN);
    }
}
