package io.socktrace.correlator.capture;

import static io.socktrace.correlator.TestCaptures.fixture;
import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.correlator.flow.ConnState;
import io.socktrace.correlator.flow.TcpFlow;
import io.socktrace.testsupport.Requirement;
import io.socktrace.testsupport.Requirements;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pcap4j.core.PcapDumper;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.Pcaps;

/**
 * Captures written by other tools than tcpdump, checked against what tshark itself reports for the
 * same files. The expected values below were recorded once with tshark 4.0.17 (commands in each
 * test) when the fixtures were made by src/test/fixtures/make-fixtures.sh; tshark is not needed to
 * run the tests. tcpdump's own microsecond and nanosecond pcaps are covered by sf-us.pcap and
 * sf-ns.pcap in {@link CaptureReaderTest}.
 */
class OtherWritersTest {
    @TempDir
    Path temp;

    /**
     * multi-if.pcapng (dumpcap -i lo -i stfx0 -i any, a filter each; stfx0 is a veth whose peer sits
     * in a network namespace): per interface, link type and packet count, as
     * {@code capinfos multi-if.pcapng} lists them.
     */
    @Test
    void next_dumpcapThreeInterfaces_linkTypeAndPacketsPerInterface() throws Exception {
        Map<Integer, Integer> linkTypes = new TreeMap<>();
        Map<Integer, Integer> packets = new TreeMap<>();
        Map<Integer, Integer> tcpPackets = new TreeMap<>();
        try (CaptureReader reader = CaptureReader.open(fixture("multi-if.pcapng"), true)) {
            assertThat(reader.isPcapng()).isTrue();
            PacketCursor p = new PacketCursor();
            while (reader.next(p)) {
                Integer before = linkTypes.putIfAbsent(p.interfaceId(), p.linkType());
                assertThat(before == null || before == p.linkType()).as("one link type per interface").isTrue();
                packets.merge(p.interfaceId(), 1, Integer::sum);
                if (p.kind() == PacketKind.TCP) {
                    tcpPackets.merge(p.interfaceId(), 1, Integer::sum);
                }
            }
            assertThat(reader.statistics().packets()).isEqualTo(32);
            assertThat(reader.statistics().tcpPackets()).isEqualTo(30);
            assertThat(reader.statistics().notTcpPackets()).isEqualTo(2); // the ARP request and reply on the veth
            assertThat(reader.statistics().undecodablePackets()).isZero();
        }
        // capinfos: #0 lo Ethernet (1) 10 packets; #1 stfx0 Ethernet (1) 12; #2 any Linux cooked v1 (113) 10
        assertThat(linkTypes).containsExactly(Map.entry(0, 1), Map.entry(1, 1), Map.entry(2, 113));
        assertThat(packets).containsExactly(Map.entry(0, 10), Map.entry(1, 12), Map.entry(2, 10));
        assertThat(tcpPackets).containsExactly(Map.entry(0, 10), Map.entry(1, 10), Map.entry(2, 10));
    }

    /**
     * The TCP conversations of multi-if.pcapng as {@code tshark -r multi-if.pcapng -q -z conv,tcp}
     * prints them (frames and frame bytes each way; "->" is from the first endpoint), plus the
     * first packet's time of each as {@code tshark -T fields -e frame.time_epoch} gives it.
     */
    @Test
    void next_dumpcapThreeInterfaces_conversationsAsTsharkCountsThem() throws Exception {
        assertThat(conversations(fixture("multi-if.pcapng"))).containsExactly(
                "if 0 127.0.0.1:46652 <-> 127.0.0.1:40007 <- 5 frames 2838 bytes -> 5 frames 1338 bytes"
                        + " payload 2500/1000 first 1795323670.004182903",
                "if 1 10.203.0.1:58786 <-> 10.203.0.2:40008 <- 5 frames 2838 bytes -> 5 frames 1338 bytes"
                        + " payload 2500/1000 first 1795323671.608540908",
                // Linux cooked header: 16 bytes where Ethernet has 14
                "if 2 127.0.0.1:51712 <-> 127.0.0.1:40009 <- 5 frames 2848 bytes -> 5 frames 1348 bytes"
                        + " payload 2500/1000 first 1795323671.995460759");
    }

    @Test
    void flows_dumpcapThreeInterfaces_oneSfFlowPerInterface() throws Exception {
        List<TcpFlow> flows = CaptureReaderTest.flows(fixture("multi-if.pcapng"));

        assertThat(flows).extracting(f -> f.clientAddress() + ":" + f.clientPort() + " -> " + f.serverAddress() + ":" + f.serverPort())
                .containsExactlyInAnyOrder("127.0.0.1:46652 -> 127.0.0.1:40007", "10.203.0.1:58786 -> 10.203.0.2:40008",
                        "127.0.0.1:51712 -> 127.0.0.1:40009");
        for (TcpFlow flow : flows) {
            assertThat(flow.connState()).isEqualTo(ConnState.SF);
            assertThat(flow.client().payloadBytes()).isEqualTo(1000); // Traffic.exchange / Traffic.request
            assertThat(flow.server().payloadBytes()).isEqualTo(2500);
            assertThat(flow.client().packets()).isEqualTo(5);
            assertThat(flow.server().packets()).isEqualTo(5);
            assertThat(flow.synCount()).isEqualTo(1);
        }
        // the veth crosses namespaces: MSS from its MTU (1500 - 40), not loopback's 65495
        TcpFlow veth = flows.stream().filter(f -> f.serverPort() == 40008).findFirst().orElseThrow();
        assertThat(veth.client().mss()).isEqualTo(1460);
        assertThat(veth.firstPacketNanos()).isEqualTo(1_795_323_671_608_540_908L);
        assertThat(veth.lastPacketNanos()).isEqualTo(1_795_323_671_633_131_797L); // tshark frame 22
    }

    /**
     * pcap4j-ns.pcap: the correlator's own {@code capture} command, i.e. pcap4j's
     * {@code PcapHandle.dumpOpen} on a live lo handle opened with nanosecond precision.
     * tshark: conv,tcp {@code 127.0.0.1:57598 <-> 127.0.0.1:40010 5 2838 bytes 5 1338 bytes};
     * frames 1 and 10 at 1795323675.073774324 and 1795323675.076649766.
     */
    @Test
    void next_pcap4jLiveCaptureNanosecondPcap_asTsharkReadsIt() throws Exception {
        Path file = fixture("pcap4j-ns.pcap");
        ByteBuffer header = ByteBuffer.wrap(Files.readAllBytes(file), 0, 24).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(Integer.toHexString(header.getInt(0))).isEqualTo("a1b23c4d"); // nanosecond magic, little-endian
        assertThat(header.getInt(16)).as("snap length").isEqualTo(128);
        assertThat(header.getInt(20)).as("link type").isEqualTo(1);

        assertThat(conversations(file)).containsExactly("if 0 127.0.0.1:57598 <-> 127.0.0.1:40010"
                + " <- 5 frames 2838 bytes -> 5 frames 1338 bytes payload 2500/1000 first 1795323675.073774324");
        List<TcpFlow> flows = CaptureReaderTest.flows(file);
        assertThat(flows).hasSize(1);
        assertThat(flows.get(0).connState()).isEqualTo(ConnState.SF);
        assertThat(flows.get(0).lastPacketNanos()).isEqualTo(1_795_323_675_076_649_766L);
    }

    /**
     * pcap4j writing offline: tcpdump's fixtures opened through libpcap with nanosecond precision
     * and copied by {@code pcap_dump} ({@code PcapHandle.loop(-1, PcapDumper)}) must read exactly
     * like the originals, microsecond stamps turned into whole-microsecond nanoseconds.
     */
    @ParameterizedTest
    @ValueSource(strings = {"sf-us.pcap", "sf-ns.pcap", "sf-sll2.pcap", "zerowin.pcap"})
    void next_pcap4jOfflineCopyInNanoseconds_readsLikeTheOriginal(String name) throws Exception {
        Requirements.require(Requirement.library("libpcap.so", "libpcap0.8")); // pcap4j calls libpcap
        Path copy = temp.resolve("copy-" + name);
        PcapHandle handle = Pcaps.openOffline(fixture(name).toString(), PcapHandle.TimestampPrecision.NANO);
        try {
            PcapDumper dumper = handle.dumpOpen(copy.toString());
            try {
                handle.loop(-1, dumper);
            } finally {
                dumper.close();
            }
        } finally {
            handle.close();
        }
        assertThat(Integer.toHexString(ByteBuffer.wrap(Files.readAllBytes(copy), 0, 4).order(ByteOrder.nativeOrder()).getInt(0)))
                .isEqualTo("a1b23c4d");

        assertThat(CaptureReaderTest.summary(copy, CaptureReader.DEFAULT_WINDOW))
                .isEqualTo(CaptureReaderTest.summary(fixture(name), CaptureReader.DEFAULT_WINDOW))
                .isNotEmpty();
    }

    /**
     * pcap4j writing packets an application hands it ({@code PcapDumper.dumpRaw(bytes, Timestamp)})
     * on a nanosecond handle: the nanoseconds of the {@link Timestamp} must survive.
     */
    @Test
    void next_pcap4jDumpRawWithNanosecondTimestamps() throws Exception {
        Requirements.require(Requirement.library("libpcap.so", "libpcap0.8")); // pcap4j calls libpcap
        List<byte[]> frames = new ArrayList<>();
        try (CaptureReader reader = CaptureReader.open(fixture("sf-ns.pcap"))) {
            PacketCursor p = new PacketCursor();
            while (reader.next(p)) {
                byte[] frame = new byte[p.capturedLength()];
                p.buffer().get(p.dataOffset(), frame);
                frames.add(frame);
            }
        }
        Path file = temp.resolve("raw.pcap");
        PcapHandle handle = Pcaps.openDead(org.pcap4j.packet.namednumber.DataLinkType.EN10MB, 128, PcapHandle.TimestampPrecision.NANO);
        try {
            PcapDumper dumper = handle.dumpOpen(file.toString());
            try {
                for (int i = 0; i < frames.size(); i++) {
                    Timestamp stamp = new Timestamp(1_700_000_000_000L);
                    stamp.setNanos(123_456_789 - i * 1000 + i); // sub-microsecond digits that a µs writer would lose
                    dumper.dumpRaw(frames.get(i), stamp);
                }
            } finally {
                dumper.close();
            }
        } finally {
            handle.close();
        }

        List<Long> stamps = new ArrayList<>();
        try (CaptureReader reader = CaptureReader.open(file, true)) {
            PacketCursor p = new PacketCursor();
            while (reader.next(p)) {
                stamps.add(p.timestampNanos());
            }
        }
        assertThat(stamps).hasSize(frames.size());
        for (int i = 0; i < stamps.size(); i++) {
            assertThat(stamps.get(i)).isEqualTo(1_700_000_000_000_000_000L + 123_456_789 - i * 1000L + i);
        }
        List<TcpFlow> flows = CaptureReaderTest.flows(file);
        assertThat(flows).hasSize(1);
        assertThat(flows.get(0).connState()).isEqualTo(ConnState.SF);
    }

    /**
     * One line per TCP conversation in tshark's conv,tcp terms: the endpoint that sent the first
     * packet first, frames and original-length bytes each way ("<-" towards the first endpoint),
     * payload bytes each way, and the first packet's time as seconds.nanoseconds.
     */
    private static List<String> conversations(Path file) throws Exception {
        Map<String, long[]> byKey = new LinkedHashMap<>();
        Map<String, String> firstEndpoint = new LinkedHashMap<>();
        try (CaptureReader reader = CaptureReader.open(file, true)) {
            PacketCursor p = new PacketCursor();
            while (reader.next(p)) {
                if (p.kind() != PacketKind.TCP) {
                    continue;
                }
                String source = Addresses.formatEndpoint(p.sourceHigh(), p.sourceLow(), p.sourcePort());
                String destination = Addresses.formatEndpoint(p.destinationHigh(), p.destinationLow(), p.destinationPort());
                String forward = "if " + p.interfaceId() + " " + source + " <-> " + destination;
                String backward = "if " + p.interfaceId() + " " + destination + " <-> " + source;
                String key = byKey.containsKey(backward) ? backward : forward;
                long[] c = byKey.computeIfAbsent(key, k -> new long[] {0, 0, 0, 0, 0, 0, p.timestampNanos()});
                firstEndpoint.putIfAbsent(key, source);
                int direction = source.equals(firstEndpoint.get(key)) ? 0 : 1; // 0: "->", 1: "<-"
                c[direction * 3]++;
                c[direction * 3 + 1] += p.originalLength();
                c[direction * 3 + 2] += p.payloadLength();
            }
        }
        List<String> lines = new ArrayList<>();
        byKey.forEach((key, c) -> lines.add(key + " <- " + c[3] + " frames " + c[4] + " bytes -> " + c[0] + " frames " + c[1]
                + " bytes payload " + c[5] + "/" + c[2] + " first " + c[6] / 1_000_000_000L + "."
                + String.format("%09d", c[6] % 1_000_000_000L)));
        return lines;
    }
}
