package io.socktrace.correlator.flow;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The open-addressing index agrees with a HashMap through any mix of puts, removes and growth. */
class FlowIndexTest {
    /** An ordered tuple as the tracker gives it. */
    private record Tuple(long aHigh, long aLow, int aPort, long bHigh, long bLow, int bPort) {
    }

    @Test
    void agreesWithAHashMap() {
        Random random = new Random(42);
        FlowIndex index = new FlowIndex();
        Map<Tuple, TcpFlow> reference = new HashMap<>();
        List<Tuple> known = new ArrayList<>();
        long loopback = 0xFFFF_7F00_0001L;
        for (int step = 0; step < 400_000; step++) {
            Tuple t;
            int pick = random.nextInt(10);
            if (pick < 4 || known.isEmpty()) {
                // loopback tuples differ only in a port: the hash must still spread them; a few IPv6 ones too
                boolean v6 = random.nextInt(20) == 0;
                t = new Tuple(v6 ? 0x2001_0db8L << 32 : 0, v6 ? random.nextLong() : loopback, random.nextInt(65536),
                        v6 ? 0x2001_0db8L << 32 : 0, v6 ? random.nextLong() : loopback, 47123 + random.nextInt(3));
                known.add(t);
            } else {
                t = known.get(random.nextInt(known.size()));
            }
            TcpFlow expected = reference.get(t);
            assertThat(index.get(t.aHigh, t.aLow, t.aPort, t.bHigh, t.bLow, t.bPort)).isSameAs(expected);
            if (expected == null && random.nextInt(3) > 0) {
                TcpFlow flow = new TcpFlow(t.aHigh, t.aLow, t.aPort, t.bHigh, t.bLow, t.bPort);
                index.put(t.aHigh, t.aLow, t.aPort, t.bHigh, t.bLow, t.bPort, flow);
                reference.put(t, flow);
            } else if (expected != null && random.nextInt(2) == 0) {
                index.remove(t.aHigh, t.aLow, t.aPort, t.bHigh, t.bLow, t.bPort);
                reference.remove(t);
            }
            assertThat(index.size()).isEqualTo(reference.size());
            if (step % 100_000 == 99_999) {
                for (Map.Entry<Tuple, TcpFlow> e : reference.entrySet()) {
                    Tuple k = e.getKey();
                    assertThat(index.get(k.aHigh, k.aLow, k.aPort, k.bHigh, k.bLow, k.bPort)).isSameAs(e.getValue());
                }
            }
        }
        index.clear();
        assertThat(index.size()).isZero();
        Tuple t = known.get(0);
        assertThat(index.get(t.aHigh, t.aLow, t.aPort, t.bHigh, t.bLow, t.bPort)).isNull();
    }
}
