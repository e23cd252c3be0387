package io.socktrace.instrumentation;

import io.socktrace.runtime.AgentLog;
import io.socktrace.runtime.NettySockets;
import io.socktrace.runtime.Transports;
import java.lang.instrument.Instrumentation;
import java.lang.instrument.UnmodifiableClassException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Installs socktrace's transformations. Deny by default: only the JDK classes named in
 * {@link #TARGET_TYPES} are ever looked at, by name, so start-up does not pay for matching every
 * class, and Byte Buddy is not even loaded until the first of them loads ({@link Weaver}).
 *
 * <p>When the agent arrives before the JDK loaded the socket classes (the usual
 * {@code -javaagent} case) each class gets a field that holds its connection as it loads, by a
 * transformer that need not take part in later retransformations (JFR's, for instance: the JVM
 * keeps its result). When the classes are already loaded (late attach, or loaded by something that
 * ran before the agent) they are retransformed without changing their shape, and the runtime falls
 * back to a weak map.
 *
 * <p>Free of Byte Buddy types, like {@link SocketClassTransformer}: the agent's premain links it.
 */
public final class Instrumentations {

    /**
     * The binary names of the classes {@link Weaver#INSTRUMENTATIONS} weaves, by their compile-time
     * constants, so that reading them loads no instrumentation and no Byte Buddy type; a unit test
     * checks the two lists agree.
     */
    static final Set<String> TARGET_TYPES = Set.of(NioSocketImplInstrumentation.CLASS_NAME, NetInstrumentation.CLASS_NAME,
            SocketInstrumentation.CLASS_NAME, SocketChannelImplInstrumentation.CLASS_NAME,
            ServerSocketChannelImplInstrumentation.CLASS_NAME, AsynchronousSocketChannelImplInstrumentation.CLASS_NAME,
            UnixAsynchronousSocketChannelImplInstrumentation.CLASS_NAME,
            AsynchronousServerSocketChannelImplInstrumentation.CLASS_NAME,
            UnixAsynchronousServerSocketChannelImplInstrumentation.CLASS_NAME, PendingFutureInstrumentation.CLASS_NAME,
            SslSocketImplInstrumentation.CLASS_NAME);

    /**
     * Netty's native-transport classes socktrace weaves, by canonical internal name; a class is a
     * target when its name is one of these or ends with one after a package boundary (a relocated
     * copy such as {@code io/grpc/netty/shaded/io/netty/channel/unix/Socket}). A unit test keeps
     * this list and {@link Weaver#NETTY_INSTRUMENTATIONS} in step.
     */
    static final List<String> NETTY_TARGETS = List.of("io/netty/channel/unix/Socket", "io/netty/channel/unix/FileDescriptor",
            "io/netty/channel/epoll/LinuxSocket", "io/netty/channel/ConnectTimeoutException");

    /**
     * Classes whose loading means a transport socktrace does not trace is in use, with what it is:
     * Netty's io_uring (completion-based: its reads and writes never pass through a Java method per
     * system call) and kqueue (not on Linux). Said once on stderr at {@code log=info} and in the
     * recording ({@code socktrace.Transport}).
     */
    static final Map<String, String> UNTRACED_TRANSPORTS = Map.of(
            "io/netty/channel/uring/IoUringSocketChannel", "netty-io_uring",
            "io/netty/incubator/channel/uring/IOUringSocketChannel", "netty-io_uring-incubator",
            "io/netty/channel/kqueue/KQueueSocketChannel", "netty-kqueue");

    private Instrumentations() {
    }

    /** The canonical name of the Netty target {@code internalName} is (itself or relocated), or null. */
    static String nettyTarget(String internalName) {
        if (internalName == null || !internalName.contains("io/netty/channel/")) {
            return null;
        }
        for (int i = 0; i < NETTY_TARGETS.size(); i++) {
            String target = NETTY_TARGETS.get(i);
            if (NettySockets.isNettyName(internalName, target)) {
                return target;
            }
        }
        return null;
    }

    /** A class of a transport socktrace does not trace loaded: said once per transport and copy. */
    static void noteUntraced(String internalName) {
        if (internalName == null || !internalName.contains("io/netty/")) {
            return;
        }
        for (Map.Entry<String, String> e : UNTRACED_TRANSPORTS.entrySet()) {
            if (NettySockets.isNettyName(internalName, e.getKey())) {
                Transports.untraced(e.getValue(), NettySockets.library(internalName, e.getKey()),
                        "its reads and writes complete in the kernel's queue, not in a Java method socktrace can hook");
            }
        }
    }

    /**
     * Installs the transformations: target types not loaded yet are woven as they load and get the
     * connection field; target types loaded already are retransformed now, keeping their shape.
     *
     * @return the names of the target types that were loaded already, sorted
     */
    public static Set<String> install(Instrumentation inst) {
        return install(inst, null, null);
    }

    /**
     * {@link #install(Instrumentation)}, keeping woven classes in {@code cacheDirectory} for later
     * runs of the same agent build ({@code agentTag}) on the same JDK (see {@link WovenClassCache});
     * no cache when either is null.
     */
    public static Set<String> install(Instrumentation inst, java.io.File cacheDirectory, String agentTag) {
        WovenClassCache cache = WovenClassCache.in(cacheDirectory, agentTag);
        Set<String> internalNames = new HashSet<>();
        for (String type : TARGET_TYPES) {
            internalNames.add(type.replace('.', '/'));
        }
        Retransformer retransformer = new Retransformer(inst, cache);
        SocketClassTransformer atLoad = new SocketClassTransformer(Set.copyOf(internalNames), true, retransformer, cache);
        // first the transformer, then the look at what is loaded: a class loading in between is
        // either seen by the transformer or found loaded, never neither
        inst.addTransformer(atLoad, false);
        List<Class<?>> loaded = new ArrayList<>();
        Set<String> names = new TreeSet<>();
        List<Class<?>> netty = new ArrayList<>();
        for (Class<?> c : inst.getAllLoadedClasses()) {
            if (c.getClassLoader() == null) {
                if (TARGET_TYPES.contains(c.getName()) && !atLoad.saw(c.getName())) {
                    loaded.add(c);
                    names.add(c.getName());
                }
            } else if (c.getName().contains("io.netty.channel.")) {
                String internalName = c.getName().replace('.', '/');
                noteUntraced(internalName);
                if (nettyTarget(internalName) != null && !atLoad.saw(c.getName())) {
                    netty.add(c);
                    names.add(c.getName());
                }
            }
        }
        retransformer.retransform(loaded);
        retransformer.retransformNetty(netty);
        return names;
    }

    /**
     * Weaves classes that are loaded already, through a second transformer that takes part in
     * retransformations and so also re-applies the advice when someone else (JFR) retransforms
     * them. Also takes the targets the load-time transformer had to let pass.
     */
    private static final class Retransformer implements Consumer<String> {
        private final Instrumentation inst;
        private final WovenClassCache cache;
        private final Set<String> internalNames = ConcurrentHashMap.newKeySet();
        private SocketClassTransformer transformer; // guarded by this
        private SocketClassTransformer nettyTransformer; // guarded by this
        /** Netty classes retransformed here, held weakly: an application's class loader may go away. */
        private final Set<Class<?>> nettyClasses = java.util.Collections.newSetFromMap(
                java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>()));

        Retransformer(Instrumentation inst, WovenClassCache cache) {
            this.inst = inst;
            this.cache = cache;
        }

        /**
         * Netty's classes that loaded before the agent: woven without a change of shape. Their
         * connections opened before are not traced (nothing tells a TCP socket from a Unix one
         * then); those opened from now on are.
         */
        synchronized void retransformNetty(List<Class<?>> classes) {
            if (classes.isEmpty()) {
                return;
            }
            nettyClasses.addAll(classes);
            if (nettyTransformer == null) {
                nettyTransformer = new SocketClassTransformer(Set.of(), false, name -> { }, cache, nettyClasses::contains);
                inst.addTransformer(nettyTransformer, true);
            }
            try {
                inst.retransformClasses(classes.toArray(new Class<?>[0]));
            } catch (UnmodifiableClassException | RuntimeException | LinkageError e) {
                AgentLog.error("retransforming " + classes, e);
            }
        }

        synchronized void retransform(List<Class<?>> classes) {
            if (classes.isEmpty()) {
                return;
            }
            for (Class<?> c : classes) {
                internalNames.add(c.getName().replace('.', '/'));
            }
            if (transformer == null) {
                transformer = new SocketClassTransformer(internalNames, false, new Consumer<String>() {
                    @Override
                    public void accept(String name) {
                        AgentLog.warn("could not instrument " + name + ": loaded while instrumenting another class");
                    }
                }, cache);
                inst.addTransformer(transformer, true);
            }
            try {
                inst.retransformClasses(classes.toArray(new Class<?>[0]));
            } catch (UnmodifiableClassException | RuntimeException | LinkageError e) {
                AgentLog.error("retransforming " + classes, e);
            }
        }

        /**
         * A target class that loaded while its thread was busy weaving another: retransformed from
         * a thread of its own once the loading is done (the lookup waits for it).
         */
        @Override
        public void accept(String binaryName) {
            Thread later = new Thread(new Runnable() {
                @Override
                public void run() {
                    try {
                        retransform(List.of(Class.forName(binaryName, false, null)));
                    } catch (Throwable t) {
                        AgentLog.error("retransforming " + binaryName, t);
                    }
                }
            }, "socktrace-retransform");
            later.setDaemon(true);
            later.start();
        }
    }
}
