package io.socktrace.correlator.capture;

import static io.socktrace.correlator.TestCaptures.ACK;
import static io.socktrace.correlator.TestCaptures.SYN;
import static io.socktrace.correlator.TestCaptures.ethernet;
import static io.socktrace.correlator.TestCaptures.fixture;
import static io.socktrace.correlator.TestCaptures.ipv4;
import static io.socktrace.correlator.TestCaptures.ipv4Packet;
import static io.socktrace.correlator.TestCaptures.ipv6Packet;
import static io.socktrace.correlator.TestCaptures.pcap;
import static io.socktrace.correlator.TestCaptures.synOptions;
import static io.socktrace.correlator.TestCaptures.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.correlator.TestCaptures;
import io.socktrace.correlator.flow.ConnState;
import io.socktrace.correlator.flow.FlowTracker;
import io.socktrace.correlator.flow.TcpFlow;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CaptureReaderTest {
    @TempDir
    Path temp;

    /** Packets of a file as (time stamp, link type, kind, ports) lines, for comparing readers. */
    static List<String> summary(Path file, long windowSize) throws Exception {
        List<String> lines = new ArrayList<>();
        try (CaptureReader reader = CaptureReader.open(file, true, windowSize)) {
            PacketCursor p = new PacketCursor();
            while (reader.next(p)) {
                lines.add(p.timestampNanos() + " " + p.kind() + " " + Addresses.formatEndpoint(p.sourceHigh(), p.sourceLow(), p.sourcePort())
                        + " > " + Addresses.formatEndpoint(p.destinationHigh(), p.destinationLow(), p.destinationPort())
                        + " flags " + p.tcpFlags() + " seq " + Integer.toUnsignedString(p.sequence()) + " len " + p.payloadLength());
            }
        }
        return lines;
    }

    static List<TcpFlow> flows(Path file) throws Exception {
        List<TcpFlow> flows = new ArrayList<>();
        FlowTracker tracker = new FlowTracker(flows::add);
        try (CaptureReader reader = CaptureReader.open(file, true)) {
            PacketCursor p = new PacketCursor();
            while (reader.next(p)) {
                tracker.accept(p);
            }
        }
        tracker.finish();
        return flows;
    }

    @ParameterizedTest
    @ValueSource(strings = {"sf-us.pcap", "sf-ns.pcap", "sf-sll.pcap", "sf-sll2.pcap", "sf.pcapng", "sf6.pcapng"})
    void next_everyFormatAndLinkTypeGivesTheSameFlow(String name) throws Exception {
        List<TcpFlow> flows = flows(fixture(name));

        assertThat(flows).hasSize(1);
        TcpFlow flow = flows.get(0);
        assertThat(flow.connState()).isEqualTo(ConnState.SF);
        assertThat(flow.serverPort()).isEqualTo(name.equals("sf6.pcapng") ? 40006 : 40001);
        assertThat(flow.clientPort()).isNotEqualTo(flow.serverPort()).isGreaterThan(1023);
        assertThat(flow.serverAddress()).isEqualTo(name.equals("sf6.pcapng") ? "::1" : "127.0.0.1");
        assertThat(flow.client().payloadBytes()).isEqualTo(1000); // Traffic.exchange
        assertThat(flow.server().payloadBytes()).isEqualTo(2500);
        assertThat(flow.synCount()).isEqualTo(1);
        assertThat(flow.client().packets() + flow.server().packets()).isEqualTo(10);
        assertThat(flow.client().finNanos()).isNotEqualTo(TcpFlow.NONE);
        assertThat(flow.server().finNanos()).isNotEqualTo(TcpFlow.NONE);
        assertThat(flow.handshakeRttNanos()).isBetween(1L, 100_000_000L);
        // Linux loopback SYN options
        assertThat(flow.client().mss()).isEqualTo(name.equals("sf6.pcapng") ? 65476 : 65495); // 65536 - IP - TCP headers
        assertThat(flow.client().windowScale()).isBetween(0, 14);
        assertThat(flow.client().sackPermitted()).isTrue();
        assertThat(flow.client().timestamps()).isTrue();
        assertThat(flow.firstPacketNanos()).isGreaterThan(1_600_000_000_000_000_000L);
    }

    @Test
    void next_microsecondStampsAreWholeMicrosecondsAndNanosecondStampsAreNot() throws Exception {
        assertThat(stamps(fixture("sf-us.pcap"))).allMatch(t -> t % 1000 == 0);
        assertThat(stamps(fixture("sf-ns.pcap"))).anyMatch(t -> t % 1000 != 0);
        assertThat(stamps(fixture("sf.pcapng"))).anyMatch(t -> t % 1000 != 0); // tshark writes ns
    }

    private static List<Long> stamps(Path file) throws Exception {
        List<Long> stamps = new ArrayList<>();
        try (CaptureReader reader = CaptureReader.open(file)) {
            PacketCursor p = new PacketCursor();
            while (reader.next(p)) {
                stamps.add(p.timestampNanos());
            }
        }
        return stamps;
    }

    @Test
    void next_bigEndianPcapReadsLikeLittleEndian() throws Exception {
        byte[] little = Files.readAllBytes(fixture("sf-us.pcap"));
        byte[] big = little.clone();
        ByteBuffer in = ByteBuffer.wrap(little).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer out = ByteBuffer.wrap(big).order(ByteOrder.BIG_ENDIAN);
        out.putInt(0, in.getInt(0)).putShort(4, in.getShort(4)).putShort(6, in.getShort(6));
        for (int i = 8; i < 24; i += 4) {
            out.putInt(i, in.getInt(i));
        }
        for (int record = 24; record < little.length; ) {
            for (int i = 0; i < 16; i += 4) {
                out.putInt(record + i, in.getInt(record + i));
            }
            record += 16 + in.getInt(record + 8);
        }
        Path swapped = Files.write(temp.resolve("big.pcap"), big);
        assertThat(big[0]).isEqualTo((byte) 0xA1);

        assertThat(summary(swapped, CaptureReader.DEFAULT_WINDOW)).isEqualTo(summary(fixture("sf-us.pcap"), CaptureReader.DEFAULT_WINDOW));
    }

    @ParameterizedTest
    @ValueSource(longs = {16, 100, 4096})
    void next_smallMappingWindowsGiveTheSamePackets(long windowSize) throws Exception {
        for (String name : new String[] {"zerowin.pcap", "sf.pcapng"}) {
            assertThat(summary(fixture(name), windowSize)).isEqualTo(summary(fixture(name), CaptureReader.DEFAULT_WINDOW));
        }
    }

    @Test
    void next_pcapngWithTwoInterfacesSectionsBothByteOrdersAndSkippedBlocks() throws Exception {
        int client = ipv4("10.0.0.1");
        int server = ipv4("10.0.0.2");
        byte[] syn = ipv4Packet(client, server, 6, 0, new byte[0], tcp(50000, 80, 1000, 0, SYN, 65535, synOptions(1460, 7)), 0);
        byte[] synAck = ipv4Packet(server, client, 6, 0, new byte[0], tcp(80, 50000, 5000, 1001, SYN | ACK, 65535, synOptions(1400, 9)), 0);
        byte[] ack = ipv4Packet(client, server, 6, 0, new byte[0], tcp(50000, 80, 1001, 5001, ACK, 512, new byte[0]), 100);
        byte[] udp = ipv4Packet(client, server, 17, 0, new byte[0], new byte[8], 10);
        Path file = new TestCaptures.Pcapng()
                .section(ByteOrder.LITTLE_ENDIAN)
                .iface(1, 65535, -1)              // Ethernet, microseconds (default)
                .iface(101, 65535, 9)             // raw IP, nanoseconds
                .otherBlock(5, 8)                 // interface statistics: skipped
                .packet(0, 1_700_000_000_000_000L, ethernet(0x0800, true, syn))
                .packet(1, 1_700_000_000_000_250_001L, synAck)
                .section(ByteOrder.BIG_ENDIAN)    // new section: interface ids start again
                .iface(0, 65535, 0x80 | 20)       // BSD loopback, 2^-20 s
                .otherBlock(0x0BAD, 4)            // unknown: skipped
                .packet(0, (1_700_000_001L << 20) | (1 << 19), nullLink(2, ack))
                .simplePacket(nullLink(2, udp))
                .write(temp.resolve("two.pcapng"));

        List<Long> stamps = new ArrayList<>();
        List<Integer> linkTypes = new ArrayList<>();
        try (CaptureReader reader = CaptureReader.open(file, true)) {
            PacketCursor p = new PacketCursor();
            FlowTracker tracker = new FlowTracker(flow -> {
                assertThat(flow.connState()).isEqualTo(ConnState.S1);
                assertThat(flow.client().payloadBytes()).isEqualTo(100);
                assertThat(flow.server().mss()).isEqualTo(1400);
                assertThat(flow.server().windowScale()).isEqualTo(9);
                assertThat(flow.handshakeRttNanos()).isEqualTo(1_000_000_000L + 500_000_000L);
            });
            while (reader.next(p)) {
                stamps.add(p.timestampNanos());
                linkTypes.add(p.linkType());
                tracker.accept(p);
            }
            assertThat(reader.statistics().skippedBlocks()).isEqualTo(2);
            assertThat(reader.statistics().tcpPackets()).isEqualTo(3);
            assertThat(reader.statistics().notTcpPackets()).isEqualTo(1);
            tracker.finish();
            assertThat(tracker.flowsReported()).isEqualTo(1);
        }
        assertThat(linkTypes).containsExactly(1, 101, 0, 0);
        assertThat(stamps).containsExactly(1_700_000_000_000_000_000L, 1_700_000_000_000_250_001L,
                1_700_000_001_500_000_000L, 1_700_000_001_500_000_000L); // a simple packet inherits the last stamp
    }

    private static byte[] nullLink(int family, byte[] packet) {
        ByteBuffer b = ByteBuffer.allocate(4 + packet.length);
        b.order(ByteOrder.LITTLE_ENDIAN).putInt(family).put(packet);
        return b.array();
    }

    @Test
    void next_ipv4OptionsFragmentsAndOtherProtocols() throws Exception {
        int a = ipv4("192.168.1.1");
        int b = ipv4("192.168.1.2");
        byte[] withOptions = ipv4Packet(a, b, 6, 0, new byte[] {1, 1, 1, 0}, tcp(1234, 443, 7, 0, SYN, 1000, new byte[0]), 0);
        byte[] laterFragment = ipv4Packet(a, b, 6, 185, new byte[0], new byte[20], 100);
        byte[] icmp = ipv4Packet(a, b, 1, 0, new byte[0], new byte[8], 0);
        byte[] arp = ethernet(0x0806, false, new byte[28]);
        Path file = Files.write(temp.resolve("mixed.pcap"), pcap(1, false, false, 65535,
                1L, ethernet(0x0800, false, withOptions), 2L, ethernet(0x0800, false, laterFragment),
                3L, ethernet(0x0800, false, icmp), 4L, arp));

        try (CaptureReader reader = CaptureReader.open(file)) {
            PacketCursor p = new PacketCursor();
            assertThat(reader.next(p)).isTrue();
            assertThat(p.kind()).isEqualTo(PacketKind.TCP);
            assertThat(p.transportOffset() - p.networkOffset()).isEqualTo(24);
            assertThat(p.destinationPort()).isEqualTo(443);
            assertThat(Addresses.format(p.sourceHigh(), p.sourceLow())).isEqualTo("192.168.1.1");
            while (reader.next(p)) {
                assertThat(p.kind()).isNotEqualTo(PacketKind.TCP);
            }
            assertThat(reader.statistics().packets()).isEqualTo(4);
            assertThat(reader.statistics().fragments()).isEqualTo(1);
            assertThat(reader.statistics().notTcpPackets()).isEqualTo(2);
        }
    }

    @Test
    void next_ipv6ExtensionHeadersAndMappedAddresses() throws Exception {
        byte[] mappedSource = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 10, 1, 2, 3};
        byte[] destination = new byte[16];
        destination[0] = 0x20;
        destination[1] = 0x01;
        destination[2] = 0x0d;
        destination[3] = (byte) 0xb8;
        destination[15] = 5;
        // hop-by-hop (8 bytes) -> destination options (16 bytes) -> fragment (first) -> TCP
        byte[] extensions = new byte[8 + 16 + 8];
        extensions[0] = 60;
        extensions[1] = 0;
        extensions[8] = 44;
        extensions[9] = 1;
        extensions[24] = 6;
        extensions[26] = 0; // fragment offset 0, more fragments
        extensions[27] = 1;
        byte[] segment = tcp(40000, 8080, 1, 1, ACK, 0, new byte[] {1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2});
        byte[] packet = ipv6Packet(mappedSource, destination, 0, extensions, segment, 300);
        Path file = Files.write(temp.resolve("v6.pcap"), pcap(101, true, true, 128, 5L, packet));

        try (CaptureReader reader = CaptureReader.open(file)) {
            PacketCursor p = new PacketCursor();
            assertThat(reader.next(p)).isTrue();
            assertThat(p.kind()).isEqualTo(PacketKind.TCP);
            assertThat(p.ipVersion()).isEqualTo(6);
            assertThat(p.payloadLength()).isEqualTo(300);
            assertThat(p.sackBlocks()).isEqualTo(1);
            assertThat(p.window()).isZero();
            assertThat(Addresses.format(p.sourceHigh(), p.sourceLow())).isEqualTo("10.1.2.3");
            assertThat(Addresses.format(p.destinationHigh(), p.destinationLow())).isEqualTo("2001:db8::5");
            assertThat(p.capturedLength()).isEqualTo(128);
            assertThat(p.originalLength()).isEqualTo(packet.length);
        }
    }
}
