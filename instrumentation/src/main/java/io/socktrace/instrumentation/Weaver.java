package io.socktrace.instrumentation;

import io.socktrace.instrumentation.JdkClassInstrumentation.Hook;
import io.socktrace.runtime.AgentLog;
import io.socktrace.runtime.Connections;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
import net.bytebuddy.matcher.LatentMatcher;
import net.bytebuddy.pool.TypePool;

/**
 * Weaves socktrace's advice into one JDK class file: the Byte Buddy calls that inline what a
 * {@link JdkClassInstrumentation} says (which methods of its class get which {@code …Advice}), for
 * the classes {@link #INSTRUMENTATIONS} lists. Used directly from a plain
 * {@link java.lang.instrument.ClassFileTransformer} rather than through Byte Buddy's
 * {@code AgentBuilder}: with eleven classes known by name there is nothing to match or discover, and
 * the builder's machinery alone cost a few hundred milliseconds of start-up. Built on first use,
 * when the first socket class loads.
 */
final class Weaver {

    /** Lazy holder: the JVM's class initialisation makes the one instance safely visible to every thread. */
    private static final class Holder {
        static final Weaver INSTANCE = new Weaver();
    }

    /** Every JDK class socktrace weaves, one instrumentation each. */
    static final List<JdkClassInstrumentation> INSTRUMENTATIONS = List.of(
            new NioSocketImplInstrumentation(),
            new SslSocketImplInstrumentation(),
            new NetInstrumentation(),
            new SocketInstrumentation(),
            new SocketChannelImplInstrumentation(),
            new ServerSocketChannelImplInstrumentation(),
            new AsynchronousSocketChannelImplInstrumentation(),
            new UnixAsynchronousSocketChannelImplInstrumentation(),
            new AsynchronousServerSocketChannelImplInstrumentation(),
            new UnixAsynchronousServerSocketChannelImplInstrumentation(),
            new PendingFutureInstrumentation());

    /**
     * Netty's native transports, woven in whatever class loader and under whatever relocation they
     * load (matched by {@link Instrumentations#nettyTarget}): not JDK classes, kept apart so that the
     * JDK list stays the boot loader's.
     */
    static final List<JdkClassInstrumentation> NETTY_INSTRUMENTATIONS = List.of(
            new NettySocketInstrumentation(),
            new NettyFileDescriptorInstrumentation(),
            new NettyLinuxSocketInstrumentation(),
            new NettyConnectTimeoutInstrumentation());

    private final ByteBuddy atLoad;
    private final ByteBuddy sameShape;
    private final ClassFileLocator agentClasses;
    private final TypePool advicePool;
    private final Advice.ExceptionHandler logFailure;
    /** By internal name ({@code sun/nio/ch/NioSocketImpl}); filled once, read-only after. */
    private final Map<String, JdkClassInstrumentation> targets = new HashMap<>();
    /** Netty's classes by their canonical internal name ({@code io/netty/channel/unix/Socket}); read-only after. */
    private final Map<String, JdkClassInstrumentation> nettyTargets = new HashMap<>();
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
        for (JdkClassInstrumentation instrumentation : INSTRUMENTATIONS) {
            targets.put(instrumentation.className().replace('.', '/'), instrumentation);
        }
        for (JdkClassInstrumentation instrumentation : NETTY_INSTRUMENTATIONS) {
            nettyTargets.put(instrumentation.className().replace('.', '/'), instrumentation);
        }
    }

    /**
     * The woven class file, or null when {@code internalName} is not a target. {@code addField}
     * adds the connection field to the classes that carry one (never on a retransformation, which
     * cannot change a class's shape).
     */
    static byte[] weave(String internalName, byte[] classFile, boolean addField) {
        return Holder.INSTANCE.apply(internalName, classFile, addField, null);
    }

    /**
     * The woven class file of a Netty class ({@code internalName} as it loads, relocated or not)
     * defined by {@code loader}, or null when it is no target. {@code addField} as for
     * {@link #weave}: Netty's socket class gets the connection field as it first loads.
     */
    static byte[] weaveNetty(String internalName, byte[] classFile, ClassLoader loader, boolean addField) {
        return Holder.INSTANCE.apply(internalName, classFile, addField, loader);
    }

    private byte[] apply(String internalName, byte[] classFile, boolean addField, ClassLoader loader) {
        JdkClassInstrumentation target;
        String name;
        ClassFileLocator locator;
        if (loader == null) {
            target = targets.get(internalName);
            if (target == null) {
                return null;
            }
            name = target.className();
            locator = locator(name, classFile);
        } else {
            String canonical = Instrumentations.nettyTarget(internalName);
            target = canonical == null ? null : nettyTargets.get(canonical);
            if (target == null) {
                return null;
            }
            name = internalName.replace('/', '.');
            // its superclasses (FileDescriptor, whose fields the advice reads) come from its own loader
            locator = new ClassFileLocator.Compound(ClassFileLocator.Simple.of(name, classFile),
                    ClassFileLocator.ForClassLoader.of(loader), ClassFileLocator.ForClassLoader.ofBootLoader());
        }
        TypePool pool = pool(locator);
        TypeDescription type = pool.describe(name).resolve();
        DynamicType.Builder<?> builder = addField
                ? atLoad.redefine(type, locator)
                : sameShape.redefine(type, locator).ignoreAlso(LatentMatcher.ForSelfDeclaredMethod.NOT_DECLARED);
        if (loader != null) {
            checkNettyShape(target, name, type);
        }
        for (Hook hook : target.hooks()) {
            builder = builder.visit(advice(hook.adviceClass).on(hook.methods));
        }
        if (addField && target.carriesConnection()) {
            builder = builder.defineField(Connections.FIELD_NAME, Object.class, Visibility.PRIVATE, FieldPersistence.TRANSIENT);
        }
        byte[] woven = builder.make(pool).getBytes();
        AgentLog.debug("instrumented " + name + (loader != null ? " of " + loader : addField ? "" : " (retransformed)"));
        return woven;
    }

    /**
     * Hooks without which a Netty copy's connections cannot be told right: a connection's start,
     * its bytes and its end. Others (an option setter, the UDP factories) only enrich.
     */
    static final java.util.Set<String> ESSENTIAL_NETTY_HOOKS = java.util.Set.of("CreatedAdvice", "ConnectAdvice",
            "FinishConnectAdvice", "AcceptAdvice", "RecvAdvice", "SendAdvice", "CloseAdvice", "WritevAddressesAdvice");

    /** Socket's hooks that a Netty before 4.1.80 lacks: its sockets read and write through FileDescriptor's read/write, hooked with the same advice. */
    private static final java.util.Set<String> OLD_DATA_PATH = java.util.Set.of("RecvAdvice", "SendAdvice");

    /**
     * A Netty class whose shape socktrace does not know (a hooked method renamed or re-typed in a
     * version not examined): said once at {@code log=info}, and when a hook that a connection's
     * events depend on matches nothing, the copy is reported untraced in the recording
     * ({@code socktrace.Transport}) rather than traced with silent gaps.
     */
    private static void checkNettyShape(JdkClassInstrumentation target, String name, TypeDescription type) {
        List<String> missing = new java.util.ArrayList<>();
        boolean essential = false;
        boolean onlyOldDataPath = true;
        for (Hook hook : target.hooks()) {
            if (type.getDeclaredMethods().filter(hook.methods).isEmpty()) {
                missing.add(hook.name());
                boolean readsThroughFileDescriptor = target instanceof NettySocketInstrumentation && OLD_DATA_PATH.contains(hook.name());
                essential |= ESSENTIAL_NETTY_HOOKS.contains(hook.name()) && !readsThroughFileDescriptor;
                onlyOldDataPath &= readsThroughFileDescriptor;
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        if (onlyOldDataPath) {
            AgentLog.debug(name + " has no recv/send: a Netty before 4.1.80, whose sockets read and write through FileDescriptor's read/write (hooked)");
            return;
        }
        String library = io.socktrace.runtime.NettySockets.library(name, target.className());
        String what = "an unknown Netty: " + name + " lacks the methods of " + missing;
        if (essential) {
            io.socktrace.runtime.Transports.untraced("netty-epoll", library, what);
        } else {
            AgentLog.info(what + " (the rest of its connections' events are recorded)");
        }
    }

    /**
     * For each hook of {@code target}, the methods of {@code classFile} (that class's bytes) it
     * selects, as weaving does: what the hook-match test compares with what each hook means.
     */
    static Map<Hook, List<MethodDescription>> matches(JdkClassInstrumentation target, byte[] classFile) {
        return matches(target, target.className(), locator(target.className(), classFile));
    }

    /** {@link #matches(JdkClassInstrumentation, byte[])} for a class {@code name} (relocated or not) that {@code locator} finds. */
    static Map<Hook, List<MethodDescription>> matches(JdkClassInstrumentation target, String name, ClassFileLocator locator) {
        TypeDescription type = pool(locator).describe(name).resolve();
        Map<Hook, List<MethodDescription>> matches = new LinkedHashMap<>();
        for (Hook hook : target.hooks()) {
            matches.put(hook, List.copyOf(type.getDeclaredMethods().filter(hook.methods)));
        }
        return matches;
    }

    /** The class file being woven first, then the JDK's classes for its supertypes and signatures. */
    private static ClassFileLocator locator(String name, byte[] classFile) {
        return new ClassFileLocator.Compound(ClassFileLocator.Simple.of(name, classFile),
                ClassFileLocator.ForClassLoader.ofBootLoader());
    }

    private static TypePool pool(ClassFileLocator locator) {
        return new TypePool.Default.WithLazyResolution(new TypePool.CacheProvider.Simple(), locator,
                TypePool.Default.ReaderMode.FAST);
    }

    private Advice advice(String adviceClass) {
        return advice.computeIfAbsent(adviceClass, name -> Advice.to(advicePool.describe(name).resolve(), agentClasses)
                .withExceptionHandler(logFailure));
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
