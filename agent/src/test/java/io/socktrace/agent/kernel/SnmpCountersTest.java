package io.socktrace.agent.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Expectations are the captured snmp.txt / netstat.txt values (kernel/README.md). */
class SnmpCountersTest {

    @Test
    void read_snmpSample_tcpCountersInKeyOrder() {
        SnmpCounters counters = new SnmpCounters(
                "Tcp:RetransSegs", "Tcp:EstabResets", "Tcp:OutRsts", "Tcp:ActiveOpens", "Tcp:PassiveOpens");
        byte[] data = Samples.bytes("snmp.txt");
        long[] values = new long[counters.size()];
        assertThat(counters.read(data, data.length, values)).isEqualTo(5);
        assertThat(values).containsExactly(215, 740, 745, 288168, 287823);
    }

    @Test
    void read_negativeValue_andMissingKey() {
        SnmpCounters counters = new SnmpCounters("Tcp:MaxConn", "Tcp:NoSuchCounter", "Nope:RetransSegs", "Tcp:InCsumErrors");
        byte[] data = Samples.bytes("snmp.txt");
        long[] values = new long[4];
        assertThat(counters.read(data, data.length, values)).isEqualTo(2);
        assertThat(values).containsExactly(-1, -1, -1, 0);
    }

    @Test
    void read_prefixMustMatchExactly() {
        // "Ip:" must not match the "IpExt:" section of netstat, nor "Tcp:" the "TcpExt:" one
        SnmpCounters counters = new SnmpCounters("Ip:InOctets", "Tcp:ListenDrops", "IpExt:InOctets");
        byte[] data = Samples.bytes("netstat.txt");
        long[] values = new long[3];
        counters.read(data, data.length, values);
        assertThat(values).containsExactly(-1, -1, 4451222382L);
    }

    @Test
    void read_netstatSample_listenCountersAndValuesBeyondInt() {
        SnmpCounters counters = new SnmpCounters(
                "TcpExt:ListenOverflows", "TcpExt:ListenDrops", "TcpExt:TW", "IpExt:OutOctets", "MPTcpExt:MPCapableSYNRX");
        byte[] data = Samples.bytes("netstat.txt");
        long[] values = new long[5];
        assertThat(counters.read(data, data.length, values)).isEqualTo(5);
        assertThat(values).containsExactly(180, 180, 269718, 4416487254L, 0);
    }

    @Test
    void read_valuesArrayLargerThanKeys_leavesTheRest() {
        SnmpCounters counters = new SnmpCounters("Tcp:RtoMax");
        byte[] data = Samples.bytes("snmp.txt");
        long[] values = {0, 99};
        counters.read(data, data.length, values);
        assertThat(values).containsExactly(120000, 99);
    }

    @Test
    void read_hugeValue_saturates() {
        SnmpCounters counters = new SnmpCounters("X:Big", "X:Small", "X:Word", "X:After");
        byte[] data = Samples.ascii("X: Big Small Word After\nX: 99999999999999999999 -99999999999999999999 abc 5\n");
        long[] values = new long[4];
        assertThat(counters.read(data, data.length, values)).isEqualTo(3);
        assertThat(values).containsExactly(Long.MAX_VALUE, Long.MIN_VALUE, -1, 5);
    }

    @Test
    void read_truncatedOrGarbage_neverThrows() {
        SnmpCounters counters = new SnmpCounters("Tcp:RetransSegs", "Udp:InDatagrams");
        byte[] sample = Samples.bytes("snmp.txt");
        long[] values = new long[2];
        for (int length = 0; length <= sample.length; length++) {
            counters.read(sample, length, values);
        }
        // values lines without headers, a header whose value line is another section's header
        byte[] garbage = Samples.ascii("Tcp: 1 2 3\nUdp: InDatagrams\nTcp: RetransSegs\nUdp: InDatagrams\nUdp: 32\n");
        assertThat(counters.read(garbage, garbage.length, values)).isEqualTo(1);
        assertThat(values).containsExactly(-1, 32);

        Random random = new Random(3);
        for (int round = 0; round < 500; round++) {
            byte[] data = sample.clone();
            for (int i = 0; i < 4; i++) {
                data[random.nextInt(data.length)] = (byte) random.nextInt(256);
            }
            counters.read(data, data.length, values);
        }
    }

    @Test
    void constructor_rejectsMalformedKeys() {
        assertThatThrownBy(() -> new SnmpCounters("RetransSegs")).hasMessageContaining("prefix:name");
        assertThatThrownBy(() -> new SnmpCounters("Tcp:")).hasMessageContaining("prefix:name");
        assertThatThrownBy(() -> new SnmpCounters(":RetransSegs")).hasMessageContaining("prefix:name");
        assertThatThrownBy(() -> new SnmpCounters("Tcp:Retrans Segs")).hasMessageContaining("ASCII");
        assertThat(new SnmpCounters("Tcp:RetransSegs").key(0)).isEqualTo("Tcp:RetransSegs");
    }
}
