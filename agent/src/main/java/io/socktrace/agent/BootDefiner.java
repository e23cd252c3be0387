package io.socktrace.agent;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Defines the boot part's classes in the boot loader, from its static initialiser. Runs only as a
 * second copy of itself that {@link BootClasses} defines in a class loader of its own: the one
 * module to which {@code java.base} exports {@code jdk.internal.misc}, so the export never reaches
 * the application's class path (where the agent's other classes live), and the loader that hands
 * it the classes (a {@code Supplier} of {@code {order, classes}}). Refers to nothing but
 * {@code java.base}, so that copy links without any other class of the agent.
 *
 * <p>Compiled on its own against {@code jdk.internal.misc} (see the agent's pom: {@code --release}
 * cannot export a JDK package): a direct call, where core reflection ({@code Method.invoke} spins
 * a method-handle accessor since JDK 18) or method handles cost 10–30 ms of premain on JDK 25,
 * spinning lambda forms in the interpreter. {@code Unsafe.defineClass} has the same signature on
 * every JDK from 17 to 25.
 */
public final class BootDefiner {

    static {
        if (BootDefiner.class.getClassLoader() instanceof Supplier) {
            Object[] work = (Object[]) ((Supplier<?>) BootDefiner.class.getClassLoader()).get();
            @SuppressWarnings("unchecked")
            List<String> order = (List<String>) work[0];
            @SuppressWarnings("unchecked")
            Map<String, byte[]> classes = (Map<String, byte[]>) work[1];
            jdk.internal.misc.Unsafe unsafe = jdk.internal.misc.Unsafe.getUnsafe();
            for (String name : order) {
                byte[] bytes = classes.get(name);
                unsafe.defineClass(name, bytes, 0, bytes.length, null, null);
            }
        }
    }

    private BootDefiner() {
    }
}
