package io.socktrace.correlator.flow;

import io.socktrace.correlator.capture.PacketCursor;
import java.util.Arrays;

/**
 * The flow tracker's per-packet look-up: the open flows by their unordered 4-tuple, in flat
 * primitive arrays with open addressing (linear probing, deletion by backward shift), so finding a
 * packet's flow touches two or three cache lines and allocates nothing. A {@code HashMap} keyed by
 * a tuple object, which it replaces on this path, chased a node and a key object per packet and
 * was a sixth of the tracker's time.
 *
 * <p>It holds no order: {@link FlowTracker} keeps its {@code HashMap} for the order in which it
 * reports the flows it sweeps, and updates both when a flow comes or goes (once per flow, not per
 * packet). Keys are given already ordered ({@code a} the lower endpoint), as {@code FlowKey} orders
 * them.
 */
final class FlowIndex {
    private static final int MIN_CAPACITY = 64;

    /** Per slot: a's high and low address halves, b's high and low. */
    private long[] addresses;
    /** Per slot: a's port in the high half, b's in the low half. */
    private int[] ports;
    /** Per slot: the flow, or null for an empty slot. */
    private TcpFlow[] flows;
    private int mask;
    private int size;

    FlowIndex() {
        allocate(MIN_CAPACITY);
    }

    int size() {
        return size;
    }

    /** The flow of this ordered tuple, or null. */
    TcpFlow get(long aHigh, long aLow, int aPort, long bHigh, long bLow, int bPort) {
        return get(hash(aHigh, aLow, bHigh, bLow, aPort << 16 | bPort), aHigh, aLow, aPort, bHigh, bLow, bPort);
    }

    /** As above, with the tuple's {@link PacketCursor#tupleHash} already known. */
    TcpFlow get(int hash, long aHigh, long aLow, int aPort, long bHigh, long bLow, int bPort) {
        int slot = slotOf(hash, aHigh, aLow, bHigh, bLow, aPort << 16 | bPort);
        return slot < 0 ? null : flows[slot];
    }

    /** The slot holding this tuple (its probe run starts at {@code hash}), or -1. */
    private int slotOf(int hash, long aHigh, long aLow, long bHigh, long bLow, int portPair) {
        long[] addresses = this.addresses;
        int[] ports = this.ports;
        TcpFlow[] flows = this.flows;
        int mask = this.mask;
        for (int slot = hash & mask; ; slot = (slot + 1) & mask) {
            if (flows[slot] == null) {
                return -1;
            }
            int base = slot << 2;
            if (ports[slot] == portPair && addresses[base + 1] == aLow && addresses[base + 3] == bLow
                    && addresses[base] == aHigh && addresses[base + 2] == bHigh) {
                return slot;
            }
        }
    }

    /** Adds a tuple that is not in the index. */
    void put(long aHigh, long aLow, int aPort, long bHigh, long bLow, int bPort, TcpFlow flow) {
        if ((size + 1) * 2 > flows.length) {
            grow();
        }
        insert(aHigh, aLow, bHigh, bLow, aPort << 16 | bPort, flow);
        size++;
    }

    /** Removes the tuple if present. */
    void remove(long aHigh, long aLow, int aPort, long bHigh, long bLow, int bPort) {
        int portPair = aPort << 16 | bPort;
        int slot = slotOf(hash(aHigh, aLow, bHigh, bLow, portPair), aHigh, aLow, bHigh, bLow, portPair);
        if (slot < 0) {
            return;
        }
        size--;
        // backward shift: move later entries of the probe run into the hole when their home allows it
        int hole = slot;
        for (int next = (hole + 1) & mask; flows[next] != null; next = (next + 1) & mask) {
            int base = next << 2;
            int home = hash(addresses[base], addresses[base + 1], addresses[base + 2], addresses[base + 3], ports[next]) & mask;
            // the entry at next may fill the hole if its home is not in (hole, next], cyclically
            boolean homeAfterHole = hole <= next ? home > hole && home <= next : home > hole || home <= next;
            if (!homeAfterHole) {
                copySlot(next, hole);
                hole = next;
            }
        }
        flows[hole] = null;
    }

    /** Empties the index. */
    void clear() {
        Arrays.fill(flows, null);
        size = 0;
    }

    private void copySlot(int from, int to) {
        System.arraycopy(addresses, from << 2, addresses, to << 2, 4);
        ports[to] = ports[from];
        flows[to] = flows[from];
    }

    private void insert(long aHigh, long aLow, long bHigh, long bLow, int portPair, TcpFlow flow) {
        int slot = hash(aHigh, aLow, bHigh, bLow, portPair) & mask;
        while (flows[slot] != null) {
            slot = (slot + 1) & mask;
        }
        int base = slot << 2;
        addresses[base] = aHigh;
        addresses[base + 1] = aLow;
        addresses[base + 2] = bHigh;
        addresses[base + 3] = bLow;
        ports[slot] = portPair;
        flows[slot] = flow;
    }

    private void grow() {
        long[] oldAddresses = addresses;
        int[] oldPorts = ports;
        TcpFlow[] oldFlows = flows;
        allocate(oldFlows.length * 2);
        for (int slot = 0; slot < oldFlows.length; slot++) {
            if (oldFlows[slot] != null) {
                int base = slot << 2;
                insert(oldAddresses[base], oldAddresses[base + 1], oldAddresses[base + 2], oldAddresses[base + 3],
                        oldPorts[slot], oldFlows[slot]);
            }
        }
    }

    private void allocate(int capacity) {
        addresses = new long[capacity * 4];
        ports = new int[capacity];
        flows = new TcpFlow[capacity];
        mask = capacity - 1;
    }

    /** The tuple's hash: {@link PacketCursor#tupleHash}, the one the decoder computes per packet. */
    private static int hash(long aHigh, long aLow, long bHigh, long bLow, int portPair) {
        return PacketCursor.tupleHash(aHigh, aLow, portPair >>> 16, bHigh, bLow, portPair & 0xFFFF);
    }
}
