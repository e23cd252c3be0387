package io.socktrace.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The socket libraries ("transports") this JVM uses: the JDK's sockets, each copy of Netty's
 * native epoll transport, and those socktrace cannot trace, with the connections established
 * through each. Bounded by the number of library copies a JVM loads. Read by the agent for
 * {@code socktrace.Transport} and the summary.
 */
public final class Transports {

    /** One transport in one library copy. */
    public static final class Entry {
        public final String transport;
        public final String library;
        private final LongAdder connections = new LongAdder();
        private volatile String note;

        Entry(String transport, String library) {
            this.transport = transport;
            this.library = library;
        }

        public boolean traced() {
            return note == null;
        }

        /** Why it is not traced, or null. */
        public String note() {
            return note;
        }

        public long connections() {
            return connections.sum();
        }
    }

    private static final Map<String, Entry> ENTRIES = new ConcurrentHashMap<>();
    private static final Entry JDK = entry("jdk", "java.base");

    /** The epoll entry of each Netty socket class's copy, found once per class. */
    private static final ClassValue<Entry> NETTY = new ClassValue<Entry>() {
        @Override
        protected Entry computeValue(Class<?> type) {
            for (Class<?> c = type; c != null; c = c.getSuperclass()) {
                String name = c.getName();
                if (NettySockets.isNettyName(name, NettySockets.FILE_DESCRIPTOR)) {
                    return entry("netty-epoll", NettySockets.library(name, NettySockets.FILE_DESCRIPTOR));
                }
            }
            return JDK;
        }
    };

    private Transports() {
    }

    private static Entry entry(String transport, String library) {
        return ENTRIES.computeIfAbsent(transport + ' ' + library, k -> new Entry(transport, library));
    }

    /** A connection was established (connected or accepted) through {@code socket}'s library. */
    static void established(Object socket) {
        (socket instanceof java.net.SocketImpl ? JDK : NETTY.get(socket.getClass())).connections.increment();
    }

    /**
     * Connections through {@code transport} of {@code library} are not traced, for {@code why}:
     * said once on stderr at {@code log=info}, and in every chunk of the recording.
     */
    public static void untraced(String transport, String library, String why) {
        Entry e = entry(transport, library);
        if (e.note == null) {
            synchronized (e) {
                if (e.note == null) {
                    e.note = why;
                    AgentLog.info("connections through " + transport + " (" + library + ") are not traced: " + why);
                }
            }
        }
    }

    /** Every transport seen so far; the JDK's always. */
    public static List<Entry> snapshot() {
        return new ArrayList<>(ENTRIES.values());
    }
}
