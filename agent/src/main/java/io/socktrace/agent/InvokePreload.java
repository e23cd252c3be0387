package io.socktrace.agent;

/**
 * Loads the few {@code java.lang.invoke} classes that the JDK loads lazily in the middle of
 * linking an {@code invokedynamic} call site, before the agent does any work of its own.
 *
 * <p>Why: {@code MethodHandle.customize()} loads the anonymous {@code MethodHandle$1} the first time
 * any method handle (typically the lambda bootstrap, shared by every lambda) has been invoked 128
 * times. If another agent's transformer is called for that class and itself links a lambda (the
 * OpenTelemetry agent's does, through its type pool and {@code jrt:} URLs), the JVM finds the class
 * already being loaded by the same thread and fails its resolution with {@code ClassCircularityError};
 * resolution errors are permanent, so every later lambda in the JVM fails too, and the application
 * dies at its first one. socktrace's own start-up (a JFR recording links dozens of lambdas) moves
 * that 128th call from wherever it fell without socktrace into the next agent's premain. Loading the
 * classes here, while no transformer can be inside a lambda bootstrap, takes the lazy load out of
 * everyone's way, whatever the order of the agents. {@code CountingWrapper$1} is the same pattern
 * for a counter of method handle combinators; {@code EnsureInitialized} for static method handles
 * of classes not yet initialised (JDK 17).
 */
final class InvokePreload {

    static final String[] CLASSES = {
        "java.lang.invoke.MethodHandle$1",
        "java.lang.invoke.MethodHandleImpl$CountingWrapper$1",
        "java.lang.invoke.DirectMethodHandle$EnsureInitialized",
    };

    private InvokePreload() {
    }

    /** Loads (without initialising) each class this JDK has; returns how many it found. */
    static int run() {
        int loaded = 0;
        for (String name : CLASSES) {
            try {
                Class.forName(name, false, null);
                loaded++;
            } catch (ClassNotFoundException | LinkageError e) {
                // another JDK's shape: nothing is loaded lazily under this name
            }
        }
        return loaded;
    }
}
