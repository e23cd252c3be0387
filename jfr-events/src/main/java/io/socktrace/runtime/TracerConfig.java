package io.socktrace.runtime;

/**
 * Settings the agent hands to the runtime at start-up. Plain static fields: the advice reads them
 * on every socket operation, so they must cost no more than a field load.
 */
public final class TracerConfig {

    /**
     * Whether an agent has started in this JVM. Boot-loaded, so it is one flag however often and
     * from whichever jar the agent is loaded: a second {@code attach} (or {@code watch}, which loads
     * the agent when it is missing) must not install a second set of transformations.
     */
    private static final java.util.concurrent.atomic.AtomicBoolean AGENT_STARTED = new java.util.concurrent.atomic.AtomicBoolean();

    /** True for the first caller only: that agent start goes ahead, later ones do nothing. */
    public static boolean claimAgentStart() {
        return AGENT_STARTED.compareAndSet(false, true);
    }

    /** Set once JFR is found initialised; never cleared (JFR does not go away). */
    private static volatile boolean jfrInitialized;

    /**
     * Whether JFR is initialised in this JVM. Until it is, no recording exists and no event can be
     * enabled, so no event object is made: the first event class to load would otherwise make the
     * JDK initialise much of JFR (~0.2 s here) on the application's thread at its first socket.
     * The JDK sets JFR up before any recording starts, so no event that could be recorded is missed.
     */
    public static boolean jfrInitialized() {
        if (jfrInitialized) {
            return true;
        }
        if (jdk.jfr.FlightRecorder.isInitialized()) { // a static flag: loads nothing else of JFR
            jfrInitialized = true;
            return true;
        }
        return false;
    }

    /**
     * Initialises, on the calling thread (the agent's), the event classes and the probe holder that
     * the first socket calls of a recording would otherwise initialise on the application's
     * threads, once JFR is up: other threads wait for a class initialisation in progress, and on
     * JDK 21-25 a virtual thread that waits pins its carrier (a {@code jdk.VirtualThreadPinned} of
     * 20-35 ms was seen when twenty virtual clients made their first writes together).
     */
    public static void prepareEvents() {
        if (!jfrInitialized()) {
            return;
        }
        Tracing.prepare();
    }

    static volatile long receiveThresholdNanos = 10_000_000L;
    static volatile long sendThresholdNanos = 10_000_000L;
    /** net.core.somaxconn, read once by the agent; the kernel caps every listen backlog at it. */
    static volatile int maxBacklog = 4096;
    static volatile long closeWaitTimeoutNanos = 30_000_000_000L;
    static volatile boolean openingStacks = false;
    static volatile TcpInfoProbe tcpInfo;

    private TracerConfig() {
    }

    public static void setReceiveThresholdNanos(long nanos) {
        receiveThresholdNanos = nanos;
    }

    public static void setSendThresholdNanos(long nanos) {
        sendThresholdNanos = nanos;
    }

    public static void setMaxBacklog(int somaxconn) {
        maxBacklog = somaxconn;
    }

    /** Installs the TCP_INFO reader used on close (JDK 22+ with native access). */
    public static void setTcpInfoProbe(TcpInfoProbe probe) {
        tcpInfo = probe;
    }

    public static int maxBacklog() {
        return maxBacklog;
    }

    public static void setCloseWaitTimeoutNanos(long nanos) {
        closeWaitTimeoutNanos = nanos;
    }

    /** Whether connect, accept and listen keep their stack for the leak events. */
    public static void setOpeningStacks(boolean on) {
        openingStacks = on;
    }

    public static long receiveThresholdNanos() {
        return receiveThresholdNanos;
    }

    public static long sendThresholdNanos() {
        return sendThresholdNanos;
    }
}
