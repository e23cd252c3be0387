package io.socktrace.agent;

import com.sun.tools.attach.VirtualMachine;
import io.socktrace.events.EventFields;
import io.socktrace.events.EventNames;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import jdk.jfr.consumer.RecordedEvent;
import jdk.management.jfr.RemoteRecordingStream;

/**
 * {@code watch <pid> [--seconds N]}: the socket events of a running JVM as they happen, one line
 * each, until interrupted (or for N seconds). Loads the agent into the JVM if it is not there yet
 * (a second load does nothing), starts the JVM's local JMX agent through the Attach API, and reads
 * a JFR stream from it ({@link RemoteRecordingStream}): nothing is written to the watched JVM's
 * disk beyond JFR's own repository, and the recording ends when the watch does.
 */
final class Watch {

    /** What a person watching wants to see go by; the periodic kernel samples are left to recordings. */
    static final List<String> EVENTS = List.of(EventNames.CONNECT, EventNames.ACCEPT, EventNames.LISTEN, EventNames.RECEIVE,
            EventNames.SEND, EventNames.RESET, EventNames.CLOSE, EventNames.SHUTDOWN, EventNames.CLOSE_WAIT_LEAK,
            EventNames.LEAK);
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS", Locale.ROOT);

    private Watch() {
    }

    static int run(String pid, long seconds, PrintStream out, PrintStream err) throws Exception {
        if (!pid.matches("\\d+")) {
            err.println("socktrace: watch needs a process id, got '" + pid + "'");
            return 2;
        }
        Path jar = Path.of(Watch.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String url;
        VirtualMachine vm = VirtualMachine.attach(pid);
        try {
            vm.loadAgent(jar.toString(), "");
            url = vm.startLocalManagementAgent();
        } finally {
            vm.detach();
        }
        CountDownLatch ended = new CountDownLatch(1);
        try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(url));
             RemoteRecordingStream stream = new RemoteRecordingStream(connector.getMBeanServerConnection())) {
            for (String event : EVENTS) {
                stream.enable(event).withStackTrace();
            }
            Endpoints endpoints = new Endpoints();
            stream.onEvent(e -> {
                if (e.getEventType().getName().startsWith(EventNames.PREFIX) && !ownConnection(e)) {
                    out.println(line(e, endpoints));
                    out.flush();
                }
            });
            stream.onClose(ended::countDown);
            err.println("socktrace: watching " + pid + (seconds > 0 ? " for " + seconds + " s" : " (Ctrl-C ends)"));
            stream.startAsync();
            if (seconds > 0) {
                ended.await(seconds, TimeUnit.SECONDS);
            } else {
                ended.await(); // the watched JVM exited, or Ctrl-C ended this one
            }
        }
        return 0;
    }

    /**
     * The stream's own JMX connection is a socket of the watched JVM too (RMI's connection
     * threads read it): its reads would show up in the watch that causes them.
     */
    private static boolean ownConnection(RecordedEvent e) {
        return e.getThread() != null && e.getThread().getJavaName() != null
                && e.getThread().getJavaName().startsWith("RMI TCP Connection(");
    }

    /** {@code 12:00:01.234  4  Connect CONNECTED took 0.2 ms  127.0.0.1:40000 -> [::1]:8080  [main]  at App.main:12}. */
    static String line(RecordedEvent e, Endpoints endpoints) {
        Instant t = e.getStartTime();
        String id = e.hasField(EventFields.CONNECTION_ID) ? String.valueOf(e.getLong(EventFields.CONNECTION_ID)) : "-";
        return LocalTime.ofInstant(t, ZoneId.systemDefault()).format(TIME) + "  " + String.format(Locale.ROOT, "%-5s", id)
                + Summary.body(e) + "  " + endpoints.of(e) + Summary.threadOf(e);
    }

    /**
     * The endpoints of the connections seen so far, by connection id: a Receive or Send may carry
     * only its {@code connectionId} (the agent writes the 4-tuple into the first of a connection
     * on each thread, again each second and when a recording starts, which this watch's does).
     * Bounded: the oldest are forgotten first.
     */
    static final class Endpoints {
        private static final int MAX = 10_000;
        private final Map<Long, String> byId = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, String> eldest) {
                return size() > MAX;
            }
        };

        /** The endpoints text of this event, from the event or an earlier one of its connection. */
        String of(RecordedEvent e) {
            String text = Summary.endpoints(e);
            if (!e.hasField(EventFields.CONNECTION_ID) || !e.hasField(EventFields.PORT)) {
                return text;
            }
            long id = e.getLong(EventFields.CONNECTION_ID);
            if (e.getInt(EventFields.PORT) > 0 || e.getInt(EventFields.LOCAL_PORT) > 0) {
                byId.put(id, text);
                return text;
            }
            return byId.getOrDefault(id, text);
        }
    }
}
