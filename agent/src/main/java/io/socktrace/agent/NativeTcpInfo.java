package io.socktrace.agent;

import io.socktrace.runtime.AgentLog;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Array;
import java.util.Optional;

/**
 * {@code getsockopt(fd, IPPROTO_TCP, TCP_INFO)} through the foreign-function API, for the
 * smoothed round-trip time and the lifetime retransmit count that /proc does not show. Available
 * on JDK 22+ when native access is enabled for the agent ({@code --enable-native-access=ALL-UNNAMED});
 * otherwise {@link #available()} is false and nothing is attempted, so no JDK warning is printed.
 *
 * <p>The agent is compiled for Java 17, where {@code java.lang.foreign} does not exist, so the API
 * is reached by reflection once and then used through method handles. The buffers are reused,
 * so {@link #read} is synchronized: the sampler and closing application threads share them.
 */
final class NativeTcpInfo implements io.socktrace.runtime.TcpInfoProbe {

    private static final int IPPROTO_TCP = 6;
    private static final int TCP_INFO = 11;
    private static final int INFO_SIZE = 256;
    /** Offsets in struct tcp_info (linux/tcp.h), stable since 2.6. */
    private static final long RTT_OFFSET = 68;
    private static final long TOTAL_RETRANS_OFFSET = 100;
    /** {@code tcpi_last_ack_recv}, milliseconds. */
    private static final long LAST_ACK_RECV_OFFSET = 56;
    /** The first four bytes: {@code tcpi_state}, {@code tcpi_ca_state}, {@code tcpi_retransmits}, {@code tcpi_probes}. */
    private static final long HEAD_OFFSET = 0;

    private final MethodHandle getsockopt;
    private final MethodHandle getInt;
    private final MethodHandle setInt;
    private final Object info;
    private final Object length;

    private NativeTcpInfo(MethodHandle getsockopt, MethodHandle getInt, MethodHandle setInt, Object info, Object length) {
        this.getsockopt = getsockopt;
        this.getInt = getInt;
        this.setInt = setInt;
        this.info = info;
        this.length = length;
    }

    /** The reader, or null where the foreign-function API or native access is not available. */
    /** The probe being set up on a thread of its own: {@link #get} waits for it (null: none). */
    static final class Pending {
        private final Thread setup;
        private volatile NativeTcpInfo probe;

        private Pending(Thread setup) {
            this.setup = setup;
        }

        NativeTcpInfo get() {
            if (setup != null) {
                try {
                    setup.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return probe;
        }
    }

    /**
     * Starts setting the probe up on a daemon thread (JDK 22+ only) and hands it to the runtime for
     * Close when it is ready: connections that close in the first ~150 ms of such a JVM have no
     * TCP_INFO. Here rather than in the caller: verifying a caller that passes this type as a
     * {@code TcpInfoProbe} would load the boot jar's interface before the jar is appended.
     */
    static Pending installInBackground() {
        if (Runtime.version().feature() < 22) {
            return new Pending(null);
        }
        Pending[] pending = new Pending[1];
        Thread setup = new Thread(new Runnable() {
            @Override
            public void run() {
                NativeTcpInfo probe = create();
                pending[0].probe = probe;
                io.socktrace.runtime.TracerConfig.setTcpInfoProbe(probe);
            }
        }, "socktrace-tcpinfo");
        setup.setDaemon(true);
        pending[0] = new Pending(setup);
        setup.start();
        return pending[0];
    }

    static NativeTcpInfo create() {
        if (Runtime.version().feature() < 22) {
            return null;
        }
        try {
            Module module = NativeTcpInfo.class.getModule();
            Boolean enabled = (Boolean) Module.class.getMethod("isNativeAccessEnabled").invoke(module);
            if (!enabled) {
                AgentLog.info("TCP_INFO (rtt, totalRetransmits) needs --enable-native-access=ALL-UNNAMED");
                return null;
            }
            Class<?> linkerType = Class.forName("java.lang.foreign.Linker");
            Class<?> lookupType = Class.forName("java.lang.foreign.SymbolLookup");
            Class<?> layoutType = Class.forName("java.lang.foreign.MemoryLayout");
            Class<?> valueLayoutType = Class.forName("java.lang.foreign.ValueLayout");
            Class<?> ofIntType = Class.forName("java.lang.foreign.ValueLayout$OfInt");
            Class<?> descriptorType = Class.forName("java.lang.foreign.FunctionDescriptor");
            Class<?> optionType = Class.forName("java.lang.foreign.Linker$Option");
            Class<?> segmentType = Class.forName("java.lang.foreign.MemorySegment");
            Class<?> arenaType = Class.forName("java.lang.foreign.Arena");
            Class<?> allocatorType = Class.forName("java.lang.foreign.SegmentAllocator");

            Object linker = linkerType.getMethod("nativeLinker").invoke(null);
            Object lookup = linkerType.getMethod("defaultLookup").invoke(linker);
            Optional<?> symbol = (Optional<?>) lookupType.getMethod("find", String.class).invoke(lookup, "getsockopt");
            if (symbol.isEmpty()) {
                return null;
            }
            Object javaInt = valueLayoutType.getField("JAVA_INT").get(null);
            Object address = valueLayoutType.getField("ADDRESS").get(null);
            Object arguments = Array.newInstance(layoutType, 5);
            Array.set(arguments, 0, javaInt);
            Array.set(arguments, 1, javaInt);
            Array.set(arguments, 2, javaInt);
            Array.set(arguments, 3, address);
            Array.set(arguments, 4, address);
            Object descriptor = descriptorType.getMethod("of", layoutType, arguments.getClass()).invoke(null, javaInt, arguments);
            MethodHandle call = (MethodHandle) linkerType.getMethod("downcallHandle", segmentType, descriptorType, Array.newInstance(optionType, 0).getClass())
                    .invoke(linker, symbol.get(), descriptor, Array.newInstance(optionType, 0));

            Object arena = arenaType.getMethod("global").invoke(null);
            Object info = allocatorType.getMethod("allocate", long.class).invoke(arena, (long) INFO_SIZE);
            Object length = allocatorType.getMethod("allocate", long.class).invoke(arena, 4L);
            MethodHandles.Lookup ours = MethodHandles.publicLookup();
            MethodHandle get = ours.findVirtual(segmentType, "get", MethodType.methodType(int.class, ofIntType, long.class));
            MethodHandle set = ours.findVirtual(segmentType, "set", MethodType.methodType(void.class, ofIntType, long.class, int.class));
            get = MethodHandles.insertArguments(get, 1, javaInt);
            set = MethodHandles.insertArguments(set, 1, javaInt);
            return new NativeTcpInfo(call, get, set, info, length);
        } catch (Throwable t) {
            AgentLog.warn("TCP_INFO through the foreign-function API is not available: " + t);
            return null;
        }
    }

    /**
     * Fills {@code out[0]} with the smoothed RTT in microseconds and {@code out[1]} with the total
     * retransmitted segments. Returns false (and leaves {@code out}) if the call failed, e.g. the
     * descriptor was closed meanwhile.
     */
    @Override
    public synchronized boolean read(int fd, long[] out) {
        if (fd < 0) {
            return false;
        }
        try {
            setInt.invoke(length, 0L, INFO_SIZE);
            int result = (int) getsockopt.invoke(fd, IPPROTO_TCP, TCP_INFO, info, length);
            if (result != 0) {
                return false;
            }
            out[0] = Integer.toUnsignedLong((int) getInt.invoke(info, RTT_OFFSET));
            out[1] = Integer.toUnsignedLong((int) getInt.invoke(info, TOTAL_RETRANS_OFFSET));
            if (out.length > 3) {
                out[2] = Integer.toUnsignedLong((int) getInt.invoke(info, LAST_ACK_RECV_OFFSET));
                int head = (int) getInt.invoke(info, HEAD_OFFSET);
                // tcpi_probes is the struct's fourth byte: the int's top byte in little-endian order
                out[3] = java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN ? (head >>> 24) & 0xff : head & 0xff;
            }
            return true;
        } catch (Throwable t) {
            return false;
        }
    }
}
