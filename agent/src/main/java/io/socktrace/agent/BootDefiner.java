package io.socktrace.agent;

import java.lang.reflect.Method;
import java.security.ProtectionDomain;
import java.util.List;
import java.util.Map;

/**
 * Defines classes in the boot loader. Runs only as a second copy of itself, defined by
 * {@link BootClasses} in a class loader of its own, the one module to which {@code java.base}
 * exports {@code jdk.internal.misc}: the export never reaches the application's class path (where
 * the agent's other classes live). Refers to nothing but {@code java.base}, so that copy links
 * without any other class of the agent. Public only so that the copy can be called reflectively;
 * called from anywhere else it fails, as {@code jdk.internal.misc} is not exported there.
 */
public final class BootDefiner {

    private BootDefiner() {
    }

    /**
     * Defines {@code classes} in the boot loader in the given order (supertypes first), without a
     * protection domain, as the JDK's own classes are.
     */
    public static void define(List<String> order, Map<String, byte[]> classes) throws ReflectiveOperationException {
        Class<?> unsafeType = Class.forName("jdk.internal.misc.Unsafe");
        Object unsafe = unsafeType.getMethod("getUnsafe").invoke(null);
        Method defineClass = unsafeType.getMethod("defineClass", String.class, byte[].class, int.class, int.class,
                ClassLoader.class, ProtectionDomain.class);
        for (String name : order) {
            byte[] bytes = classes.get(name);
            defineClass.invoke(unsafe, name, bytes, 0, bytes.length, null, null);
        }
    }
}
