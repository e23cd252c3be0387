package io.socktrace.instrumentation;

import static net.bytebuddy.matcher.ElementMatchers.isBridge;
import static net.bytebuddy.matcher.ElementMatchers.isPrivate;
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
    static final String SOCKET_CHANNEL = "sun.nio.ch.SocketChannelImpl";
    static final String SERVER_SOCKET_CHANNEL = "sun.nio.ch.ServerSocketChannelImpl";
    static final String ASYNC_SOCKET_CHANNEL = "sun.nio.ch.AsynchronousSocketChannelImpl";
    static final String UNIX_ASYNC_SOCKET_CHANNEL = "sun.nio.ch.UnixAsynchronousSocketChannelImpl";
    static final String ASYNC_SERVER_SOCKET_CHANNEL = "sun.nio.ch.AsynchronousServerSocketChannelImpl";
    static final String UNIX_ASYNC_SERVER_SOCKET_CHANNEL = "sun.nio.ch.UnixAsynchronousServerSocketChannelImpl";
    static final String PENDING_FUTURE = "sun.nio.ch.PendingFuture";
    static final Set<String> TARGET_TYPES = Set.of(NIO_SOCKET_IMPL, SOCKET, SOCKET_CHANNEL, SERVER_SOCKET_CHANNEL,
            ASYNC_SOCKET_CHANNEL, UNIX_ASYNC_SOCKET_CHANNEL, ASYNC_SERVER_SOCKET_CHANNEL, UNIX_ASYNC_SERVER_SOCKET_CHANNEL,
            PENDING_FUTURE);
    /** The classes whose instances carry a connection: they get the field when it can be added. */
    static final Set<String> CONNECTION_TYPES = Set.of(NIO_SOCKET_IMPL, SOCKET_CHANNEL, SERVER_SOCKET_CHANNEL,
            ASYNC_SOCKET_CHANNEL, ASYNC_SERVER_SOCKET_CHANNEL);

    private Instrumentations() {
    }

    /** Names of the target types that are loaded already. */
    public static Set<String> loadedTargets(Instrumentation inst) {
        Set<String> loaded = new HashSet<>();
        for (Class<?> c : inst.getAllLoadedClasses()) {
            if (c.getClassLoader() == null && TARGET_TYPES.contains(c.getName())) {
                loaded.add(c.getName());
            }
        }
        return loaded;
    }

    /**
     * Installs the transformations: types not loaded yet are instrumented as they load and get
     * the connection field; types already loaded (late attach, or loaded by something that ran
     * before the agent) are retransformed without changing their shape.
     */
    public static void install(Instrumentation inst, Set<String> loaded) {
        Set<String> fresh = new HashSet<>(TARGET_TYPES);
        fresh.removeAll(loaded);
        if (!fresh.isEmpty()) {
            transformations(base(fresh)
                    .with(AgentBuilder.RedefinitionStrategy.DISABLED)
                    .with(AgentBuilder.TypeStrategy.Default.REDEFINE), true)
                    .installOn(inst);
        }
        if (!loaded.isEmpty()) {
            transformations(base(loaded)
                    .disableClassFormatChanges()
                    .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION), false)
                    .installOn(inst);
        }
    }

    private static AgentBuilder base(Set<String> types) {
        return new AgentBuilder.Default(new ByteBuddy().with(TypeValidation.DISABLED))
                .with(AgentBuilder.InitializationStrategy.NoOp.INSTANCE)
                .with(new LoggingListener())
                .ignore(not(namedOneOf(types.toArray(new String[0]))));
    }

    private static AgentBuilder transformations(AgentBuilder builder, boolean addFields) {
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
        String channel = SocketChannelAdvice.class.getName();
        AgentBuilder.Transformer socketChannelAdvice = advice
                .advice(method("connect", 1).and(returns(boolean.class)), channel + "$Connect")
                .advice(method("finishConnect", 0), channel + "$FinishConnect")
                .advice(method("blockingConnect", 2), channel + "$BlockingConnect")
                .advice(method("read", 1).and(returns(int.class)), channel + "$Read")
                .advice(method("read", 3).and(returns(long.class)), channel + "$ScatteringRead")
                .advice(method("blockingRead", 4), channel + "$BlockingRead")
                .advice(method("write", 1).and(returns(int.class)), channel + "$Write")
                .advice(method("write", 3).and(returns(long.class)), channel + "$GatheringWrite")
                .advice(method("blockingWriteFully", 3), channel + "$BlockingWriteFully")
                .advice(method("implCloseSelectableChannel", 0), channel + "$Close")
                .advice(method("shutdownInput", 0), channel + "$ShutdownInput")
                .advice(method("shutdownOutput", 0), channel + "$ShutdownOutput")
                .advice(method("setOption", 2).and(not(isBridge())), channel + "$Option");
        AgentBuilder.Transformer serverSocketChannelAdvice = advice
                .advice(method("bind", 2).and(not(isBridge())), channel + "$Bind")
                .advice(method("accept", 0), channel + "$Accept")
                .advice(method("blockingAccept", 1), channel + "$BlockingAccept")
                .advice(method("implCloseSelectableChannel", 0), channel + "$Close")
                .advice(method("setOption", 2).and(not(isBridge())), channel + "$Option");
        String async = AsyncChannelAdvice.class.getName();
        AgentBuilder.Transformer asyncSocketChannelAdvice = advice
                .advice(method("read", 7).and(isPrivate()), async + "$Read")
                .advice(method("write", 7).and(isPrivate()), async + "$Write")
                .advice(method("close", 0), channel + "$Close")
                .advice(method("shutdownInput", 0), channel + "$ShutdownInput")
                .advice(method("shutdownOutput", 0), channel + "$ShutdownOutput")
                .advice(method("setOption", 2).and(not(isBridge())), channel + "$Option");
        AgentBuilder.Transformer asyncServerSocketChannelAdvice = advice
                .advice(method("bind", 2).and(not(isBridge())), async + "$Bind")
                .advice(method("close", 0), channel + "$Close")
                .advice(method("setOption", 2).and(not(isBridge())), channel + "$Option");

        AgentBuilder.Identified.Extendable agent = builder
                .type(named(NIO_SOCKET_IMPL)).transform(nioAdvice)
                .type(named(SOCKET)).transform(advice.advice(
                        method("connect", 2).and(takesArgument(0, named("java.net.SocketAddress"))),
                        SocketAdvice.class.getName() + "$Connect"))
                .type(named(SOCKET_CHANNEL)).transform(socketChannelAdvice)
                .type(named(SERVER_SOCKET_CHANNEL)).transform(serverSocketChannelAdvice)
                .type(named(ASYNC_SOCKET_CHANNEL)).transform(asyncSocketChannelAdvice)
                .type(named(UNIX_ASYNC_SOCKET_CHANNEL)).transform(advice.advice(method("implConnect", 3), async + "$Connect"))
                .type(named(ASYNC_SERVER_SOCKET_CHANNEL)).transform(asyncServerSocketChannelAdvice)
                .type(named(UNIX_ASYNC_SERVER_SOCKET_CHANNEL)).transform(advice.advice(method("implAccept", 2), async + "$Accept"))
                .type(named(PENDING_FUTURE)).transform(advice
                        .advice(method("setResult", 1), async + "$FutureResult")
                        .advice(method("setFailure", 1), async + "$FutureFailure"));
        if (addFields) {
            agent = agent.type(namedOneOf(CONNECTION_TYPES.toArray(new String[0]))).transform(Instrumentations::addConnectionField);
        }
        return agent;
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
