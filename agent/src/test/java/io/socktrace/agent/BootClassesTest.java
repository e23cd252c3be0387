package io.socktrace.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class BootClassesTest {

    private static byte[] classFile(Class<?> type) throws IOException {
        try (InputStream in = Object.class.getResourceAsStream("/" + type.getName().replace('.', '/') + ".class")) {
            return in.readAllBytes();
        }
    }

    @Test
    void supertypes_readsTheSuperclassAndInterfacesInDeclarationOrder() throws Exception {
        assertThat(BootClasses.ClassFileHeader.supertypes(classFile(java.util.ArrayList.class))).containsExactly(
                "java.util.AbstractList", "java.util.List", "java.util.RandomAccess", "java.lang.Cloneable", "java.io.Serializable");
        assertThat(BootClasses.ClassFileHeader.supertypes(classFile(Object.class))).isEmpty();
        // a class with long and double constants (two constant-pool slots each)
        assertThat(BootClasses.ClassFileHeader.supertypes(classFile(Math.class))).containsExactly("java.lang.Object");
    }

    @Test
    void supertypes_rejectsWhatIsNotAClassFile() throws Exception {
        byte[] good = classFile(java.util.ArrayList.class);
        assertThatThrownBy(() -> BootClasses.ClassFileHeader.supertypes(Arrays.copyOf(good, 200)))
                .isInstanceOf(IOException.class).hasMessage("truncated class file");
        assertThatThrownBy(() -> BootClasses.ClassFileHeader.supertypes("PK not a class".getBytes()))
                .isInstanceOf(IOException.class).hasMessage("not a class file");
    }

    @Test
    void definitionOrder_putsEverySupertypeOfTheBootPartFirst() throws Exception {
        BootClasses boot = BootClasses.read();
        List<String> order = boot.definitionOrder();
        assertThat(order).contains("io.socktrace.runtime.AgentLog", "io.socktrace.events.ConnectEvent", "io.socktrace.events.ConnectionEvent")
                .doesNotHaveDuplicates();
        // ConnectEvent extends ConnectionEvent, which must be defined before it
        assertThat(order.indexOf("io.socktrace.events.ConnectionEvent")).isLessThan(order.indexOf("io.socktrace.events.ConnectEvent"));
        for (String name : order) {
            for (String supertype : boot.supertypesOf(name)) {
                if (order.contains(supertype)) {
                    assertThat(order.indexOf(supertype)).as("%s before %s", supertype, name).isLessThan(order.indexOf(name));
                }
            }
        }
    }
}
