package io.socktrace.instrumentation;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import java.util.List;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * One JDK class socktrace weaves, in one file: the class's name, which of its methods get which
 * advice, and (as static nested {@code …Advice} classes of the subclass) the advice itself, so a
 * reader sees the target and what is inlined into it side by side. {@link Weaver} only applies
 * what these say. Advice is named, never loaded: Byte Buddy parses its class file and copies the
 * bodies into the JDK class, so the advice classes never take up room or time in the agent's
 * class loader.
 *
 * <p>The class names are compile-time constants that {@link Instrumentations#TARGET_TYPES} repeats
 * (it must not load Byte Buddy at start-up, and these classes use Byte Buddy types); a unit test
 * keeps the two in step, and another weaves every target of the running JDK and checks each hook
 * matched exactly the methods it means.
 */
abstract class JdkClassInstrumentation {

    /** Some methods of the class and the advice (by binary name) woven into them. */
    static final class Hook {
        final ElementMatcher<? super MethodDescription> methods;
        final String adviceClass;

        Hook(ElementMatcher<? super MethodDescription> methods, String adviceClass) {
            this.methods = methods;
            this.adviceClass = adviceClass;
        }

        /** The advice's own name, without its enclosing class: what tests and logs call the hook. */
        String name() {
            return adviceClass.substring(adviceClass.lastIndexOf('$') + 1);
        }
    }

    private final String className;
    private final boolean carriesConnection;

    /**
     * @param className         the binary name of the JDK class
     * @param carriesConnection whether its instances get the connection field when it can be added
     *                          (as the class first loads)
     */
    JdkClassInstrumentation(String className, boolean carriesConnection) {
        this.className = className;
        this.carriesConnection = carriesConnection;
    }

    final String className() {
        return className;
    }

    final boolean carriesConnection() {
        return carriesConnection;
    }

    /** The hooks, in the order they are woven. */
    abstract List<Hook> hooks();

    /** A hook whose advice is nested in this instrumentation, by its simple name. */
    final Hook hook(ElementMatcher<? super MethodDescription> methods, String nestedAdvice) {
        return new Hook(methods, getClass().getName() + '$' + nestedAdvice);
    }

    /** Methods of this name and number of parameters (narrowed further by each hook). */
    static ElementMatcher.Junction<MethodDescription> method(String name, int parameters) {
        return named(name).and(takesArguments(parameters));
    }
}
