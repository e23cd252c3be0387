package io.socktrace.agent;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.security.ProtectionDomain;
import java.util.List;
import java.util.Map;

/**
 * Defines classes in the boot loader. Runs only as a second copy of itself, defined by
 * {@link BootClasses} in a class loader of its own, the one module to which {@code java.base}
 * exports {@code jdk.internal.misc}: the export never reaches the application's class path (where
 * the agent's other classes live). Refers to nothing but {@code java.base}, so that copy links
 * without any other class of the agent. Public only so that the copy can be called; called from
 * anywhere else it fails, as {@code jdk.internal.misc} is not exported there.
 *
 * <p>Method handles with exact types, not core reflection: since JDK 18 {@code Method.invoke}
 * spins a method-handle accessor per method, which cost ~25 ms of premain on JDK 25.
 */
public final class BootDefiner {

    private BootDefiner() {
    }

    /**
     * Defines {@code classes} in the boot loader in the given order (supertypes first), without a
     * protection domain, as the JDK's own classes are.
     */
    public static void define(List<String> order, Map<String, byte[]> classes) throws Throwable {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        Class<?> unsafeType = Class.forName("jdk.internal.misc.Unsafe");
        Object unsafe = lookup.findStatic(unsafeType, "getUnsafe", MethodType.methodType(unsafeType)).invoke();
        MethodHandle defineClass = lookup.findVirtual(unsafeType, "defineClass", MethodType.methodType(Class.class,
                String.class, byte[].class, int.class, int.class, ClassLoader.class, ProtectionDomain.class)).bindTo(unsafe);
        for (String name : order) {
            byte[] bytes = classes.get(name);
            Class<?> defined = (Class<?>) defineClass.invokeExact(name, bytes, 0, bytes.length, (ClassLoader) null,
                    (ProtectionDomain) null);
        }
    }
}
