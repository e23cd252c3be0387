package io.socktrace.instrumentation;

import static net.bytebuddy.matcher.ElementMatchers.isProtected;
import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.socktrace.runtime.AgentLog;
import io.socktrace.runtime.Connections;
import java.lang.instrument.Instrumentation;
import java.util.HashSet;
import java.util.Set;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.agent.builder.ResettableClassFileTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.modifier.FieldPersistence;
import net.bytebuddy.description.modifier.Visibility;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.dynamic.scaffold.TypeValidation;
import net.bytebuddy.implementation.bytecode.member.MethodInvocation;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.utility.JavaModule;

/**
 * Installs socktrace's transformations. Deny by default: only the JDK classes named in
 * {@link #TARGET_TYPES} are ever looked at, so start-up does not pay for matching every class.
 *
 * <p>When the agent arrives before the JDK loaded the socket classes (the usual
 * {@code -javaagent} case) each class gets a field that holds its connection, and the transformer
 * need not take part in later retransformations. When the classes are already loaded (late attach)
 * they are retransformed without changing their shape, and the runtime falls back to a weak map.
 */
public final class Instrumentations {

    static final String NIO_SOCKET_IMPL = "sun.nio.ch.NioSocketImpl";
    static final String SOCKET = "java.net.Socket";
    static final Set<String> TARGET_TYPES = Set.of(NIO_SOCKET_IMPL, SOCKET);

    private Instrumentations() {
    }

    /** Names of the target types that are loaded already. */
    public static Set<String> loadedTargets(Instrumentation inst) {
        Set<String> loaded = new HashSet<>();
        for (Class<?> c : inst.getInitiatedClasses(null)) {
            if (TARGET_TYPES.contains(c.getName())) {
                loaded.add(c.getName());
            }
        }
        return loaded;
    }

    /**
     * Installs the transformations.
     *
     * @param addFields whether the targets are still unloaded, so that fields may be added
     */
    public static ResettableClassFileTransformer install(Instrumentation inst, boolean addFields) {
        AgentBuilder builder = new AgentBuilder.Default(new ByteBuddy().with(TypeValidation.DISABLED))
                .with(AgentBuilder.InitializationStrategy.NoOp.INSTANCE)
                .with(new LoggingListener())
                .ignore(not(namedOneOf(TARGET_TYPES.toArray(new String[0]))));
        if (addFields) {
            builder = builder.with(AgentBuilder.RedefinitionStrategy.DISABLED)
                    .with(AgentBuilder.TypeStrategy.Default.REDEFINE);
        } else {
            builder = builder.disableClassFormatChanges()
                    .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION);
        }
        AgentBuilder.Transformer.ForAdvice advice = new AgentBuilder.Transformer.ForAdvice()
                .include(Instrumentations.class.getClassLoader())
                .withExceptionHandler(logAdviceFailure());
        String nio = NioSocketImplAdvice.class.getName();
        AgentBuilder.Transformer nioAdvice = advice
                .advice(method("connect", 2).and(takesArgument(0, named("java.net.SocketAddress"))), nio + "$Connect")
                .advice(method("listen", 1), nio + "$Listen")
                .advice(method("accept", 1).and(takesArgument(0, named("java.net.SocketImpl"))), nio + "$Accept")
                .advice(method("read", 3).and(takesArgument(0, byte[].class)).and(returns(int.class)), nio + "$Read")
                .advice(method("write", 3).and(takesArgument(0, byte[].class)), nio + "$Write")
                .advice(method("implWrite", 3).and(takesArgument(0, byte[].class)).and(returns(int.class)), nio + "$ImplWrite")
                .advice(method("close", 0), nio + "$Close")
                .advice(method("shutdownInput", 0), nio + "$ShutdownInput")
                .advice(method("shutdownOutput", 0), nio + "$ShutdownOutput")
                .advice(method("setOption", 2).and(takesArgument(0, int.class)).and(isPublic()), nio + "$LegacyOption")
                .advice(method("setOption", 2).and(takesArgument(0, named("java.net.SocketOption"))).and(isProtected()),
                        nio + "$Option");
        AgentBuilder.Identified.Extendable nioType = builder.type(named(NIO_SOCKET_IMPL)).transform(nioAdvice);
        if (addFields) {
            nioType = nioType.transform(Instrumentations::addConnectionField);
        }
        return nioType
                .type(named(SOCKET))
                .transform(advice.advice(method("connect", 2).and(takesArgument(0, named("java.net.SocketAddress"))),
                        SocketAdvice.class.getName() + "$Connect"))
                .installOn(inst);
    }

    private static ElementMatcher.Junction<MethodDescription> method(String name, int arguments) {
        return named(name).and(takesArguments(arguments));
    }

    private static DynamicType.Builder<?> addConnectionField(DynamicType.Builder<?> builder, TypeDescription type,
            ClassLoader loader, JavaModule module, java.security.ProtectionDomain domain) {
        return builder.defineField(Connections.FIELD_NAME, Object.class, Visibility.PRIVATE, FieldPersistence.TRANSIENT);
    }

    /** Advice that throws despite its own try/catch reports to the agent log instead of the application. */
    private static Advice.ExceptionHandler logAdviceFailure() {
        try {
            return new Advice.ExceptionHandler.Simple(MethodInvocation.invoke(
                    new MethodDescription.ForLoadedMethod(AgentLog.class.getMethod("adviceFailed", Throwable.class))));
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reports transformation problems through the agent log. */
    private static final class LoggingListener extends AgentBuilder.Listener.Adapter {
        @Override
        public void onTransformation(TypeDescription type, ClassLoader loader, JavaModule module, boolean loaded,
                                     DynamicType dynamicType) {
            AgentLog.debug("instrumented " + type.getName() + (loaded ? " (retransformed)" : ""));
        }

        @Override
        public void onError(String typeName, ClassLoader loader, JavaModule module, boolean loaded, Throwable throwable) {
            AgentLog.warn("could not instrument " + typeName + ": " + throwable);
            if (AgentLog.level() == AgentLog.Level.DEBUG) {
                throwable.printStackTrace();
            }
        }
    }

}
