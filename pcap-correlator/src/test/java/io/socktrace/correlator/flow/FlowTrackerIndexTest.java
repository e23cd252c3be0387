package io.socktrace.correlator.flow;

import static io.socktrace.correlator.TestCaptures.ACK;
import static io.socktrace.correlator.TestCaptures.FIN;
import static io.socktrace.correlator.TestCaptures.RST;
import static io.socktrace.correlator.TestCaptures.SYN;
import static io.socktrace.correlator.TestCaptures.ipv4Packet;
import static io.socktrace.correlator.TestCaptures.synOptions;
import static io.socktrace.correlator.TestCaptures.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.correlator.capture.PacketCursor;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The tracker with its open-addressing index reports the very flows, in the very order, that it
 * reports looking packets up in its HashMap (the straightforward path it had before), on traffic
 * made to stress the table: thousands of interleaved connections on a few server ports, client
 * ports reused (after FIN, after RST, after going idle), handshakes missed, flows growing and
 * shrinking the table again and again, hours of capture time so sweeps and idle timeouts run.
 */
class FlowTrackerIndexTest {
    private static final int LINKTYPE_RAW = 101;
    private static final int CLIENT = 0x7F000001;
    private static final int SERVER = 0x7F000002;

    @Test
    void indexed_reportsAsTheHashMapLookUp() {
        for (long seed : new long[] {1, 2}) {
            List<String> indexed = new ArrayList<>();
            List<String> plain = new ArrayList<>();
            FlowTracker withIndex = new FlowTracker(f -> indexed.add(line(f)), 5_000_000_000L, true);
            FlowTracker withMap = new FlowTracker(f -> plain.add(line(f)), 5_000_000_000L, false);
            Random random = new Random(seed);
            PacketCursor packet = new PacketCursor();
            long now = 1_700_000_000_000_000_000L;
            int[] sequence = new int[65536];
            for (int i = 0; i < 200_000; i++) {
                // a few hundred client ports so that they are reused, three servers, bursts and pauses
                int clientPort = 40_000 + random.nextInt(random.nextInt(10) == 0 ? 3_000 : 300);
                int serverPort = 8_080 + random.nextInt(3);
                now += random.nextInt(100) == 0 ? random.nextInt(8_000) * 1_000_000L : random.nextInt(200_000);
                int pick = random.nextInt(100);
                int flags = pick < 6 ? SYN : pick < 9 ? SYN | ACK : pick < 13 ? FIN | ACK : pick < 15 ? RST : ACK;
                boolean fromClient = random.nextBoolean() || (flags & SYN) != 0 && (flags & ACK) == 0;
                if ((flags & SYN) != 0 && (flags & ACK) != 0) {
                    fromClient = false;
                }
                int payload = (flags & (SYN | RST)) == 0 && random.nextInt(3) == 0 ? 1 + random.nextInt(1_400) : 0;
                int seq = sequence[clientPort] += payload + (random.nextInt(20) == 0 ? -payload : 0);
                byte[] segment = fromClient
                        ? tcp(clientPort, serverPort, seq, seq + 7, flags, random.nextInt(50) == 0 ? 0 : 65_535,
                                (flags & SYN) != 0 ? synOptions(1460, 7) : new byte[0])
                        : tcp(serverPort, clientPort, seq + 7, seq, flags, 65_535, (flags & SYN) != 0 ? synOptions(1460, 7) : new byte[0]);
                byte[] ip = fromClient ? ipv4Packet(CLIENT, SERVER, 6, 0, new byte[0], segment, payload)
                        : ipv4Packet(SERVER, CLIENT, 6, 0, new byte[0], segment, payload);
                packet.decode(LINKTYPE_RAW, ByteBuffer.wrap(ip), now);
                withIndex.accept(packet);
                withMap.accept(packet);
            }
            withIndex.finish();
            withMap.finish();
            assertThat(plain).hasSizeGreaterThan(10_000);
            // every way a flow leaves the table happened
            for (FlowEnd end : FlowEnd.values()) {
                assertThat(plain).as("%s", end).anyMatch(line -> line.contains(" " + end + " last "));
            }
            assertThat(indexed).as("seed %d", seed).isEqualTo(plain);
        }
    }

    private static String line(TcpFlow flow) {
        return flow.describe() + " " + flow.end() + " last " + flow.lastPacketNanos();
    }
}
