package io.socktrace.agent;

import java.lang.annotation.Annotation;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the event and field reference from the event classes themselves (names, labels,
 * descriptions, units), so the README's tables cannot drift from what the agent records.
 */
final class EventReference {

    static final String[] EVENT_CLASSES = {
        "ConnectEvent", "AcceptEvent", "ListenEvent", "ReceiveEvent", "SendEvent", "ResetEvent", "CloseEvent",
        "ShutdownEvent", "SocketOptionEvent", "CloseWaitLeakEvent", "LeakEvent", "TcpInfoEvent", "ListenQueueEvent",
        "NetworkStatisticsEvent", "EndpointStatisticsEvent", "SamplingEvent", "TransportEvent",
    };

    private EventReference() {
    }

    static String markdown(ClassLoader loader) throws ReflectiveOperationException {
        StringBuilder b = new StringBuilder();
        Class<?> common = Class.forName("io.socktrace.events.ConnectionEvent", false, loader);
        Class<?> settingsFiles = Class.forName("io.socktrace.events.SettingsFiles", true, loader);
        java.lang.reflect.Method settings = settingsFiles.getMethod("socktraceSettings", boolean.class);
        java.util.Map<?, ?> defaults = (java.util.Map<?, ?>) settings.invoke(null, false);
        java.util.Map<?, ?> profile = (java.util.Map<?, ?>) settings.invoke(null, true);
        b.append("Fields on every event (`ConnectionEvent`):\n\n");
        table(b, fields(common));
        for (String simple : EVENT_CLASSES) {
            Class<?> type = Class.forName("io.socktrace.events." + simple, false, loader);
            b.append("\n#### `").append(value(type, "jdk.jfr.Name")).append("` — ").append(value(type, "jdk.jfr.Label"))
                    .append("\n\n").append(value(type, "jdk.jfr.Description")).append(".\n\n");
            b.append(settingsLine(value(type, "jdk.jfr.Name"), defaults, profile)).append("\n\n");
            table(b, fields(type));
        }
        return b.toString();
    }

    /** The event's period or stack-trace setting in the default recording and with {@code settings=profile}. */
    static String settingsLine(String event, java.util.Map<?, ?> defaults, java.util.Map<?, ?> profile) {
        Object period = defaults.get(event + "#period");
        if (period != null) {
            StringBuilder line = new StringBuilder("Period: " + period + " (`settings=profile`: " + profile.get(event + "#period") + ").");
            for (Object key : defaults.keySet()) {
                String name = key.toString();
                if (name.startsWith(event + "#") && !name.endsWith("#period") && !name.endsWith("#enabled")) {
                    line.append(line.indexOf("Settings") < 0 ? " Settings: " : ", ").append('`').append(name.substring(event.length() + 1))
                            .append("` ").append(defaults.get(key)).append(" (profile: ").append(profile.get(key)).append(')');
                }
            }
            return line.toString();
        }
        boolean byDefault = "true".equals(defaults.get(event + "#stackTrace"));
        boolean inProfile = "true".equals(profile.get(event + "#stackTrace"));
        if (byDefault) {
            return "Stack trace: recorded.";
        }
        return inProfile ? "Stack trace: recorded with `settings=profile` (or a `.jfc` that turns it on), not by default."
                : "Stack trace: none (found on the agent's own thread, whose stack means nothing; see `openingStack`).";
    }

    private static List<Field> fields(Class<?> type) {
        List<Field> result = new ArrayList<>();
        for (Field f : type.getDeclaredFields()) {
            int m = f.getModifiers();
            if (!Modifier.isStatic(m) && !Modifier.isTransient(m)) {
                result.add(f);
            }
        }
        return result;
    }

    private static void table(StringBuilder b, List<Field> fields) {
        b.append("| field | type | unit | meaning |\n|---|---|---|---|\n");
        for (Field f : fields) {
            String description = value(f, "jdk.jfr.Description");
            b.append("| `").append(f.getName()).append("` | ").append(f.getType().getSimpleName()).append(" | ")
                    .append(unit(f)).append(" | ").append(description.isEmpty() ? value(f, "jdk.jfr.Label") : description)
                    .append(" |\n");
        }
    }

    private static String unit(Field f) {
        String timespan = value(f, "jdk.jfr.Timespan");
        if (!timespan.isEmpty()) {
            return timespan.toLowerCase(java.util.Locale.ROOT);
        }
        for (Annotation a : f.getAnnotations()) {
            if (a.annotationType().getName().equals("jdk.jfr.DataAmount")) {
                return "bytes";
            }
        }
        return "";
    }

    /** The {@code value()} of the annotation named {@code annotation}, or "" when absent. */
    private static String value(java.lang.reflect.AnnotatedElement element, String annotation) {
        for (Annotation a : element.getAnnotations()) {
            if (a.annotationType().getName().equals(annotation)) {
                try {
                    Object v = a.annotationType().getMethod("value").invoke(a);
                    return String.valueOf(v);
                } catch (ReflectiveOperationException e) {
                    return "";
                }
            }
        }
        return "";
    }
}
