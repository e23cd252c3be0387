package io.socktrace.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.runtime.AcceptOutcome;
import io.socktrace.runtime.CloseInitiator;
import io.socktrace.runtime.ConnectOutcome;
import io.socktrace.runtime.Operation;
import io.socktrace.runtime.ReceiveOutcome;
import io.socktrace.runtime.ResetKind;
import io.socktrace.runtime.SendOutcome;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import org.junit.jupiter.api.Test;

/**
 * The published schema ({@link EventNames}, {@link EventFields}, the outcome enums) and the event
 * classes agree both ways. The classes are found on disk, not listed here, so a new event class
 * that the schema does not publish fails too.
 */
class SchemaTest {

    /** Every concrete event class of this package, by its JFR name. */
    static Map<String, Class<? extends Event>> eventClasses() throws IOException, URISyntaxException, ClassNotFoundException {
        Path dir = Path.of(ConnectEvent.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve(ConnectEvent.class.getPackageName().replace('.', '/'));
        Map<String, Class<? extends Event>> byName = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.collect(Collectors.toList())) {
                String simple = file.getFileName().toString();
                if (!simple.endsWith(".class") || simple.contains("$")) {
                    continue;
                }
                Class<?> type = Class.forName(ConnectEvent.class.getPackageName() + "." + simple.substring(0, simple.length() - 6));
                if (Event.class.isAssignableFrom(type) && !Modifier.isAbstract(type.getModifiers())) {
                    byName.put(type.getAnnotation(Name.class).value(), type.asSubclass(Event.class));
                }
            }
        }
        return byName;
    }

    /**
     * The recorded fields of an event class: its own and those it inherits from ConnectionEvent.
     * Not the synthetic ones JFR adds when it registers the class (startTime, duration).
     */
    private static List<Field> recordedFields(Class<?> type) {
        List<Field> fields = new ArrayList<>();
        for (Class<?> c = type; c != Event.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (!Modifier.isStatic(f.getModifiers()) && !f.isSynthetic()) {
                    fields.add(f);
                }
            }
        }
        return fields;
    }

    @Test
    void eventNames_areExactlyTheEventClassesNames() throws Exception {
        Map<String, Class<? extends Event>> classes = eventClasses();
        assertThat(classes).hasSize(17);
        assertThat(classes.keySet()).containsExactlyInAnyOrderElementsOf(EventNames.AGENT_EVENTS);
        List<String> connectionEvents = classes.entrySet().stream().filter(e -> ConnectionEvent.class.isAssignableFrom(e.getValue()))
                .map(Map.Entry::getKey).collect(Collectors.toList());
        assertThat(connectionEvents).containsExactlyInAnyOrderElementsOf(EventNames.CONNECTION_EVENTS);
        for (String name : classes.keySet()) {
            assertThat(name).startsWith(EventNames.PREFIX);
            // class ConnectEvent, name socktrace.Connect (STYLE.md)
            assertThat(classes.get(name).getSimpleName()).isEqualTo(EventNames.simpleName(name) + "Event");
        }
        assertThat(ConnectionId.class.getAnnotation(Name.class).value()).isEqualTo(EventNames.CONNECTION_ID_ANNOTATION);
        assertThat(EventNames.simpleName(EventNames.CLOSE_WAIT_LEAK)).isEqualTo("CloseWaitLeak");
        assertThat(EventNames.simpleName("jdk.SocketRead")).isEqualTo("jdk.SocketRead");
    }

    @Test
    void eventFields_namesEveryRecordedField_andNothingElse() throws Exception {
        Set<String> recorded = new TreeSet<>();
        for (Class<? extends Event> type : eventClasses().values()) {
            for (Field f : recordedFields(type)) {
                recorded.add(f.getName());
            }
        }
        Map<String, String> constants = constants(EventFields.class);
        Set<String> named = new TreeSet<>(constants.values());
        named.addAll(EventFields.CONNECT_TIME_BUCKETS); // one field per latency bucket, named as a list
        assertThat(named).as("EventFields against the event classes' fields").isEqualTo(recorded);
        assertThat(EventFields.CONNECT_TIME_BUCKETS).hasSize(EventFields.CONNECT_TIME_BUCKET_MICROS.length + 1);
        constants.forEach((constant, value) -> assertThat(constant).isEqualTo(upperSnake(value)));
    }

    @Test
    void packetFields_haveNoConstantTwice_andShareConnectionIdWithTheAgentsEvents() throws Exception {
        Map<String, String> constants = constants(PacketFields.class);
        assertThat(new TreeSet<>(constants.values())).hasSize(constants.size());
        constants.forEach((constant, value) -> assertThat(constant).isEqualTo(upperSnake(value)));
        assertThat(PacketFields.CONNECTION_ID).isEqualTo(EventFields.CONNECTION_ID);
        assertThat(EventNames.AGENT_EVENTS).doesNotContain(EventNames.PACKET);
    }

    /** Like the JDK's own events: final, public labelled fields and nothing else (no state the recording does not hold). */
    @Test
    void eventClasses_areFinalAndHoldOnlyRecordedFields() throws Exception {
        for (Class<? extends Event> type : eventClasses().values()) {
            assertThat(Modifier.isFinal(type.getModifiers())).as("%s is final", type.getSimpleName()).isTrue();
            for (Field f : recordedFields(type)) {
                int m = f.getModifiers();
                assertThat(Modifier.isPublic(m) && !Modifier.isTransient(m) && !Modifier.isFinal(m))
                        .as("%s.%s is a public, recorded field", type.getSimpleName(), f.getName()).isTrue();
                assertThat(f.getAnnotation(Label.class)).as("%s.%s has a label", type.getSimpleName(), f.getName()).isNotNull();
            }
            for (Class<?> c = type; c != Event.class; c = c.getSuperclass()) {
                assertThat(Arrays.stream(c.getDeclaredMethods()).filter(method -> !method.isSynthetic()).map(Method::getName))
                        .as("methods of %s", c.getSimpleName()).isEmpty();
            }
        }
    }

    /**
     * What a recording holds in an outcome field is an enum constant's name, and the field's
     * description is what users read (Mission Control, the README's generated tables): renaming,
     * adding or removing a constant without its description, or the reverse, fails here.
     */
    @Test
    void valueFields_describeExactlyTheirEnumsConstants() {
        Map<String, Class<? extends Enum<?>>> fields = new LinkedHashMap<>();
        fields.put("ConnectEvent." + EventFields.OUTCOME, ConnectOutcome.class);
        fields.put("AcceptEvent." + EventFields.OUTCOME, AcceptOutcome.class);
        fields.put("ReceiveEvent." + EventFields.OUTCOME, ReceiveOutcome.class);
        fields.put("SendEvent." + EventFields.OUTCOME, SendOutcome.class);
        fields.put("CloseEvent." + EventFields.INITIATOR, CloseInitiator.class);
        fields.put("ResetEvent." + EventFields.KIND, ResetKind.class);
        fields.put("ResetEvent." + EventFields.OPERATION, Operation.class);
        fields.forEach((field, values) -> {
            String description = description(field);
            // the values, not what explains them: "LOCAL (we closed first), PEER ..." lists LOCAL, PEER
            Set<String> described = new TreeSet<>();
            Matcher m = Pattern.compile("\\b[A-Z][A-Z_]+\\b").matcher(description.replaceAll("\\([^)]*\\)", ""));
            while (m.find()) {
                described.add(m.group());
            }
            Set<String> constants = Arrays.stream(values.getEnumConstants()).map(Enum::name).collect(Collectors.toCollection(TreeSet::new));
            assertThat(described).as("%s: \"%s\"", field, description).isEqualTo(constants);
        });
    }

    private static String description(String classDotField) {
        String[] parts = classDotField.split("\\.");
        try {
            Class<?> type = Class.forName(ConnectEvent.class.getPackageName() + "." + parts[0]);
            return type.getField(parts[1]).getAnnotation(Description.class).value();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(classDotField, e);
        }
    }

    private static Map<String, String> constants(Class<?> holder) throws IllegalAccessException {
        Map<String, String> constants = new TreeMap<>();
        for (Field f : holder.getDeclaredFields()) {
            int m = f.getModifiers();
            if (Modifier.isStatic(m) && Modifier.isFinal(m) && f.getType() == String.class) {
                constants.put(f.getName(), (String) f.get(null));
            }
        }
        return constants;
    }

    /** {@code endOfStreamSeen} as {@code END_OF_STREAM_SEEN}: the constant's name follows from the field's. */
    private static String upperSnake(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
    }
}
