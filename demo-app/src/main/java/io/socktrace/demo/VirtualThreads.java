package io.socktrace.demo;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Optional;

/**
 * Starts virtual threads although the demo is compiled for JDK 17, which has none: through
 * reflection, and only on JDK 21 or newer (on 19 and 20 they are a preview that is off by
 * default). The methods are looked up on the public {@code Thread.Builder} interface, not on
 * the JDK's hidden builder class, so calling them needs no access to JDK internals.
 */
final class VirtualThreads {

    /** The first JDK with virtual threads as a standard feature. */
    static final int FIRST_JDK = 21;

    private final Method ofVirtual;
    private final Method name;
    private final Method start;
    private final Method isVirtual;

    private VirtualThreads(Method ofVirtual, Method name, Method start, Method isVirtual) {
        this.ofVirtual = ofVirtual;
        this.name = name;
        this.start = start;
        this.isVirtual = isVirtual;
    }

    /** The virtual threads of this JDK, or nothing before JDK 21. */
    static Optional<VirtualThreads> find() {
        if (Runtime.version().feature() < FIRST_JDK) {
            return Optional.empty();
        }
        try {
            Class<?> builder = Class.forName("java.lang.Thread$Builder");
            return Optional.of(new VirtualThreads(Thread.class.getMethod("ofVirtual"),
                    builder.getMethod("name", String.class), builder.getMethod("start", Runnable.class),
                    Thread.class.getMethod("isVirtual")));
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            return Optional.empty();
        }
    }

    /** Starts a virtual thread with this name, as {@code Thread.ofVirtual().name(name).start(task)}. */
    Thread start(String threadName, Runnable task) {
        Object builder = invoke(ofVirtual, null);
        builder = invoke(name, builder, threadName);
        return (Thread) invoke(start, builder, task);
    }

    /** {@code thread.isVirtual()}. */
    boolean isVirtual(Thread thread) {
        return (Boolean) invoke(isVirtual, thread);
    }

    private static Object invoke(Method method, Object target, Object... args) {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(cause);
        } catch (IllegalAccessException e) {
            // Public methods of public JDK types: cannot happen.
            throw new IllegalStateException(e);
        }
    }
}
