package io.socktrace.instrumentation;

import static io.socktrace.instrumentation.Instrumentations.ASYNC_SERVER_SOCKET_CHANNEL;
import static io.socktrace.instrumentation.Instrumentations.ASYNC_SOCKET_CHANNEL;
import static io.socktrace.instrumentation.Instrumentations.CONNECTION_TYPES;
import static io.socktrace.instrumentation.Instrumentations.NET;
import static io.socktrace.instrumentation.Instrumentations.NIO_SOCKET_IMPL;
import static io.socktrace.instrumentation.Instrumentations.PENDING_FUTURE;
import static io.socktrace.instrumentation.Instrumentations.SERVER_SOCKET_CHANNEL;
import static io.socktrace.instrumentation.Instrumentations.SOCKET;
import static io.socktrace.instrumentation.Instrumentations.SOCKET_CHANNEL;
import static io.socktrace.instrumentation.Instrumentations.UNIX_ASYNC_SERVER_SOCKET_CHANNEL;
import static io.socktrace.instrumentation.Instrumentations.UNIX_ASYNC_SOCKET_CHANNEL;
import static net.bytebuddy.matcher.ElementMatchers.isBridge;
import static net.bytebuddy.matcher.ElementMatchers.isPrivate;
import static net.bytebuddy.matcher.ElementMatchers.isProtected;
import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.socktrace.runtime.AgentLog;
import io.socktrace.runtime.Connections;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.modifier.FieldPersistence;
import net.bytebuddy.description.modifier.Visibility;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.dynamic.VisibilityBridgeStrategy;
import net.bytebuddy.dynamic.scaffold.InstrumentedType;
import net.bytebuddy.dynamic.scaffold.TypeValidation;
import net.bytebuddy.implementation.Implementation;
import net.bytebuddy.implementation.bytecode.member.MethodInvocation;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.matcher.LatentMatcher;
import net.bytebuddy.pool.TypePool;

/**
 * Weaves socktrace's advice into one JDK class file: which methods of which class get which
 * {@code …Advice}, and the Byte Buddy calls that inline it. Used directly from a plain
 * {@link java.lang.instrument.ClassFileTransformer} rather than through Byte Buddy's
 * {@code AgentBuilder}: with ten classes known by name there is nothing to match or discover, and
 * the builder's machinery alone cost a few hundred milliseconds of start-up. Built on first use,
 * when the first socket class loads.
 */
final class Weaver {

    /** One group of methods and the advice class (by name, so it never loads here) woven into them. */
    private static final class Hook {
        final ElementMatcher<? super MethodDescription> methods;
        final String adviceClass;

        Hook(ElementMatcher<? super MethodDescription> methods, String adviceClass) {
            this.methods = methods;
            this.adviceClass = adviceClass;
        }
    }

    /** Lazy holder: the JVM's class initialisation makes the one instance safely visible to every thread. */
    private static final class Holder {
        static final Weaver INSTANCE = new Weaver();
    }

    private final ByteBuddy atLoad;
    private final ByteBuddy sameShape;
    private final ClassFileLocator agentClasses;
    private final TypePool advicePool;
    private final Advice.ExceptionHandler logFailure;
    /** By internal name ({@code sun/nio/ch/NioSocketImpl}); filled once, read-only after. */
    private final Map<String, List<Hook>> hooks = new HashMap<>();
    /** Parsed advice classes, by class name: parsed when a class that uses them is first woven. */
    private final Map<String, Advice> advice = new ConcurrentHashMap<>();

    private Weaver() {
        atLoad = new ByteBuddy().with(TypeValidation.DISABLED);
        // what AgentBuilder.disableClassFormatChanges() does: no new members, so a retransformation may apply it
        sameShape = atLoad.with(Implementation.Context.Disabled.Factory.INSTANCE)
                .with(InstrumentedType.Factory.Default.FROZEN)
                .with(VisibilityBridgeStrategy.Default.NEVER);
        agentClasses = ClassFileLocator.ForClassLoader.of(Weaver.class.getClassLoader());
        advicePool = TypePool.Default.WithLazyResolution.of(agentClasses);
        logFailure = logAdviceFailure();
        plan();
    }

    /**
     * The woven class file, or null when {@code internalName} is not a target. {@code addField}
     * adds the connection field to the classes that carry one (never on a retransformation, which
     * cannot change a class's shape).
     */
    static byte[] weave(String internalName, byte[] classFile, boolean addField) {
        return Holder.INSTANCE.apply(internalName, classFile, addField);
    }

    private byte[] apply(String internalName, byte[] classFile, boolean addField) {
        List<Hook> plan = hooks.get(internalName);
        if (plan == null) {
            return null;
        }
        String name = internalName.replace('/', '.');
        ClassFileLocator locator = new ClassFileLocator.Compound(ClassFileLocator.Simple.of(name, classFile),
                ClassFileLocator.ForClassLoader.ofBootLoader());
        TypePool pool = new TypePool.Default.WithLazyResolution(new TypePool.CacheProvider.Simple(), locator,
                TypePool.Default.ReaderMode.FAST);
        TypeDescription type = pool.describe(name).resolve();
        DynamicType.Builder<?> builder = addField
                ? atLoad.redefine(type, locator)
                : sameShape.redefine(type, locator).ignoreAlso(LatentMatcher.ForSelfDeclaredMethod.NOT_DECLARED);
        for (Hook hook : plan) {
            builder = builder.visit(advice(hook.adviceClass).on(hook.methods));
        }
        if (addField && CONNECTION_TYPES.contains(name)) {
            builder = builder.defineField(Connections.FIELD_NAME, Object.class, Visibility.PRIVATE, FieldPersistence.TRANSIENT);
        }
        byte[] woven = builder.make(pool).getBytes();
        AgentLog.debug("instrumented " + name + (addField ? "" : " (retransformed)"));
        return woven;
    }

    private void plan() {
        String nio = NioSocketImplAdvice.class.getName();
        on(NIO_SOCKET_IMPL)
                .add(method("connect", 2).and(takesArgument(0, named("java.net.SocketAddress"))), nio + "$Connect")
                .add(method("listen", 1), nio + "$Listen")
                .add(method("accept", 1).and(takesArgument(0, named("java.net.SocketImpl"))), nio + "$Accept")
                .add(method("read", 3).and(takesArgument(0, byte[].class)).and(returns(int.class)), nio + "$Read")
                .add(method("write", 3).and(takesArgument(0, byte[].class)), nio + "$Write")
                .add(method("implWrite", 3).and(takesArgument(0, byte[].class)).and(returns(int.class)), nio + "$ImplWrite")
                .add(method("close", 0), nio + "$Close")
                .add(method("shutdownInput", 0), nio + "$ShutdownInput")
                .add(method("shutdownOutput", 0), nio + "$ShutdownOutput")
                .add(method("setOption", 2).and(takesArgument(0, int.class)).and(isPublic()), nio + "$LegacyOption")
                .add(method("setOption", 2).and(takesArgument(0, named("java.net.SocketOption"))).and(isProtected()),
                        nio + "$Option");
        on(NET).add(method("localAddress", 1).and(isStatic()).and(takesArgument(0, named("java.io.FileDescriptor"))),
                nio + "$NetLocalAddress");
        on(SOCKET).add(method("connect", 2).and(takesArgument(0, named("java.net.SocketAddress"))),
                SocketAdvice.class.getName() + "$Connect");
        String channel = SocketChannelAdvice.class.getName();
        on(SOCKET_CHANNEL)
                .add(method("connect", 1).and(returns(boolean.class)), channel + "$Connect")
                .add(method("finishConnect", 0), channel + "$FinishConnect")
                .add(method("blockingConnect", 2), channel + "$BlockingConnect")
                .add(method("read", 1).and(returns(int.class)), channel + "$Read")
                .add(method("read", 3).and(returns(long.class)), channel + "$ScatteringRead")
                .add(method("blockingRead", 4), channel + "$BlockingRead")
                .add(method("write", 1).and(returns(int.class)), channel + "$Write")
                .add(method("write", 3).and(returns(long.class)), channel + "$GatheringWrite")
                .add(method("blockingWriteFully", 3), channel + "$BlockingWriteFully")
                .add(method("implCloseSelectableChannel", 0), channel + "$Close")
                .add(method("shutdownInput", 0), channel + "$ShutdownInput")
                .add(method("shutdownOutput", 0), channel + "$ShutdownOutput")
                .add(method("setOption", 2).and(not(isBridge())), channel + "$Option");
        on(SERVER_SOCKET_CHANNEL)
                .add(method("bind", 2).and(not(isBridge())), channel + "$Bind")
                .add(method("accept", 0), channel + "$Accept")
                .add(method("blockingAccept", 1), channel + "$BlockingAccept")
                .add(method("implCloseSelectableChannel", 0), channel + "$Close")
                .add(method("setOption", 2).and(not(isBridge())), channel + "$Option");
        String async = AsyncChannelAdvice.class.getName();
        on(ASYNC_SOCKET_CHANNEL)
                .add(method("read", 7).and(isPrivate()), async + "$Read")
                .add(method("write", 7).and(isPrivate()), async + "$Write")
                .add(method("close", 0), channel + "$Close")
                .add(method("shutdownInput", 0), channel + "$ShutdownInput")
                .add(method("shutdownOutput", 0), channel + "$ShutdownOutput")
                .add(method("setOption", 2).and(not(isBridge())), channel + "$Option");
        on(UNIX_ASYNC_SOCKET_CHANNEL).add(method("implConnect", 3), async + "$Connect");
        on(ASYNC_SERVER_SOCKET_CHANNEL)
                .add(method("bind", 2).and(not(isBridge())), async + "$Bind")
                .add(method("close", 0), channel + "$Close")
                .add(method("setOption", 2).and(not(isBridge())), channel + "$Option");
        on(UNIX_ASYNC_SERVER_SOCKET_CHANNEL).add(method("implAccept", 2), async + "$Accept");
        on(PENDING_FUTURE)
                .add(method("setResult", 1), async + "$FutureResult")
                .add(method("setFailure", 1), async + "$FutureFailure");
    }

    /** Collects the hooks of one class. */
    private final class Plan {
        private final List<Hook> list;

        Plan(List<Hook> list) {
            this.list = list;
        }

        Plan add(ElementMatcher<? super MethodDescription> methods, String adviceClass) {
            list.add(new Hook(methods, adviceClass));
            return this;
        }
    }

    private Advice advice(String adviceClass) {
        return advice.computeIfAbsent(adviceClass, name -> Advice.to(advicePool.describe(name).resolve(), agentClasses)
                .withExceptionHandler(logFailure));
    }

    private Plan on(String type) {
        return new Plan(hooks.computeIfAbsent(type.replace('.', '/'), t -> new ArrayList<>()));
    }

    private static ElementMatcher.Junction<MethodDescription> method(String name, int arguments) {
        return named(name).and(takesArguments(arguments));
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
}
