package io.socktrace.instrumentation;

import io.socktrace.runtime.AgentLog;
import io.socktrace.runtime.NettySockets;
import io.socktrace.runtime.Transports;
import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The one transformer the JVM calls for every class it defines. It compares the name with the few
 * boot classes socktrace instruments and returns at once for everything else; only the first
 * target class makes Byte Buddy load ({@link Weaver}), so a program that never opens a socket
 * never pays for it.
 *
 * <p>Deliberately free of Byte Buddy types, so loading and verifying this class loads none of
 * them, and not even those when an earlier run left the woven class in the {@link WovenClassCache}.
 * A target class that loads while this thread is already inside the transformer (Byte
 * Buddy's own class loading) cannot be woven then; it is handed to {@code missed}, which
 * retransforms it later.
 */
final class SocketClassTransformer implements ClassFileTransformer {

    private static final ThreadLocal<Boolean> BUSY = new ThreadLocal<>();

    private final Set<String> internalNames;
    private final boolean addFields;
    private final Consumer<String> missed;
    private final WovenClassCache cache;
    private final Set<String> seen = ConcurrentHashMap.newKeySet();
    /** Non-boot classes this transformer weaves when retransformed; null: Netty's classes as they load. */
    private final Predicate<Class<?>> retransformedNetty;

    /**
     * @param internalNames the classes to weave, as {@code sun/nio/ch/NioSocketImpl}
     * @param addFields     whether classes get the connection field (only as they first load)
     * @param missed        told the binary name of a target that could not be woven on reentry
     * @param cache         woven classes of earlier runs, and where to keep this run's
     */
    SocketClassTransformer(Set<String> internalNames, boolean addFields, Consumer<String> missed, WovenClassCache cache) {
        this(internalNames, addFields, missed, cache, null);
    }

    /**
     * @param retransformedNetty for a transformer of retransformations: the Netty classes (of
     *                           application class loaders) it was asked to weave; null for the
     *                           transformer of classes as they load, which weaves every Netty target
     */
    SocketClassTransformer(Set<String> internalNames, boolean addFields, Consumer<String> missed, WovenClassCache cache,
                           Predicate<Class<?>> retransformedNetty) {
        this.internalNames = internalNames;
        this.addFields = addFields;
        this.missed = missed;
        this.cache = cache;
        this.retransformedNetty = retransformedNetty;
    }

    /** Whether this transformer was called for the class as it loaded (woven or not). */
    boolean saw(String binaryName) {
        return seen.contains(binaryName.replace('.', '/'));
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> classBeingRedefined,
                            ProtectionDomain protectionDomain, byte[] classfileBuffer) {
        if (loader != null) {
            return transformNetty(loader, className, classBeingRedefined, classfileBuffer);
        }
        if (className == null || !internalNames.contains(className)) {
            return null;
        }
        if (classBeingRedefined == null) {
            seen.add(className);
        }
        if (BUSY.get() != null) {
            missed.accept(className.replace('/', '.'));
            return null;
        }
        BUSY.set(Boolean.TRUE);
        try {
            boolean addField = addFields && classBeingRedefined == null;
            byte[] woven = cache.find(className, classfileBuffer, addField);
            if (woven == null) {
                woven = Weaver.weave(className, classfileBuffer, addField);
                if (woven != null) {
                    cache.store(className, classfileBuffer, addField, woven);
                }
            } else {
                AgentLog.debug("instrumented " + className.replace('/', '.') + " from the cache");
            }
            return woven;
        } catch (Throwable t) {
            // a bug, or a JDK whose class no longer fits the advice: counted like any internal
            // error, so the integration tests' check of the agent's stderr fails on it
            AgentLog.error("instrumenting " + className.replace('/', '.'), t);
            return null;
        } finally {
            BUSY.remove();
        }
    }

    /**
     * A class of an application class loader: woven if it is one of Netty's native-transport
     * classes (in any relocated copy), as it loads, or when retransformed after a late attach.
     * Everything else returns after a look at its name.
     */
    private byte[] transformNetty(ClassLoader loader, String className, Class<?> classBeingRedefined, byte[] classfileBuffer) {
        if (className == null) {
            return null;
        }
        if (retransformedNetty == null) {
            if (classBeingRedefined != null) {
                return null;
            }
            Instrumentations.noteUntraced(className);
            if (Instrumentations.nettyTarget(className) == null) {
                return null;
            }
            seen.add(className); // not retransformed again by a late look at what is loaded
        } else if (classBeingRedefined == null || !retransformedNetty.test(classBeingRedefined)) {
            return null;
        }
        if (BUSY.get() != null) {
            AgentLog.warn("could not instrument " + className.replace('/', '.') + ": loaded while instrumenting another class");
            return null;
        }
        BUSY.set(Boolean.TRUE);
        try {
            boolean addField = retransformedNetty == null; // as it loads: the class may still change shape
            byte[] woven = cache.find(className, classfileBuffer, addField);
            if (woven == null) {
                woven = Weaver.weaveNetty(className, classfileBuffer, loader, addField);
                if (woven != null) {
                    cache.store(className, classfileBuffer, addField, woven);
                }
            }
            return woven;
        } catch (Throwable t) {
            // an unknown Netty whose classes no longer fit: its connections are not traced, said once
            AgentLog.error("instrumenting " + className.replace('/', '.'), t);
            String canonical = Instrumentations.nettyTarget(className);
            Transports.untraced("netty-epoll", canonical == null ? className.replace('/', '.') : NettySockets.library(className, canonical),
                    className.replace('/', '.') + " could not be instrumented: " + t);
            return null;
        } finally {
            BUSY.remove();
        }
    }
}
