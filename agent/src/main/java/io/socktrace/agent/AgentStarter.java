package io.socktrace.agent;

import io.socktrace.agent.kernel.KernelSampler;
import io.socktrace.events.SettingsFiles;
import io.socktrace.instrumentation.Instrumentations;
import io.socktrace.runtime.AgentLog;
import io.socktrace.runtime.SocketMonitor;
import io.socktrace.runtime.TracerConfig;
import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;
import jdk.jfr.Recording;

/**
 * Everything after the checks: boot classes, runtime configuration, transformations, and the optional
 * recording. Kept apart from {@link SocktraceAgent} because this class refers to boot-loaded
 * classes, which must not be resolved before they are defined.
 */
final class AgentStarter {

    private AgentStarter() {
    }

    static void start(AgentOptions options, Instrumentation inst, boolean lateAttach, long entered) throws Exception {
        long started = System.nanoTime();
        String weavingTag = BootClasses.install(inst);
        long bootJar = System.nanoTime();
        if (!TracerConfig.claimAgentStart()) {
            // loaded again (a second attach, or watch): the running agent keeps its options
            if (options.log.equals("info") || options.log.equals("debug")) {
                System.err.println("[socktrace] already running in this JVM; the options of this load are ignored");
            }
            return;
        }
        AgentLog.setLevel(AgentLog.Level.valueOf(options.log.toUpperCase(Locale.ROOT)));
        StringBuilder noCache = new StringBuilder();
        java.io.File cache = CacheDirectory.find(noCache);
        if (cache == null) {
            AgentLog.debug("woven classes are not cached: " + noCache);
        }
        TracerConfig.setReceiveThresholdNanos(options.receiveThresholdNanos);
        TracerConfig.setSendThresholdNanos(options.sendThresholdNanos);
        TracerConfig.setMaxBacklog(somaxconn());
        TracerConfig.setCloseWaitTimeoutNanos(options.closeWaitTimeoutNanos);
        TracerConfig.setOpeningStacks(options.openingStacks);

        // TCP_INFO for Close and TcpInfo (JDK 22+ started with native access): the foreign-function
        // set-up costs ~150 ms, so it runs on a thread of its own from now on rather than in premain
        NativeTcpInfo.Pending tcpInfo = NativeTcpInfo.installInBackground();
        long configured = System.nanoTime();
        Set<String> loaded = Instrumentations.install(inst, cache, weavingTag);
        long installed = System.nanoTime();
        boolean procNet = new java.io.File("/proc/net/tcp").exists();
        if (!procNet) {
            AgentLog.info("no /proc/net/tcp: TcpInfo, ListenQueue and NetworkStatistics are not available");
        }
        KernelSamplerStarter sampler = new KernelSamplerStarter(tcpInfo, procNet);
        // Registering periodic events initialises JFR (~150 ms here), and even asking JFR to
        // say when it starts loads much of it: left until the first socket, off the application's threads.
        SocketMonitor.setFirstSocketHook(sampler);
        long listening = System.nanoTime();
        if (options.log.equals("info") || options.log.equals("debug")) { // not built only to be dropped
            AgentLog.info("started (" + options + (lateAttach ? ", attached late" : "")
                    + (loaded.isEmpty() ? "" : ", retransformed: " + loaded) + ")");
        }
        if (options.recording != null) {
            startRecording(Path.of(options.recording), options.settings);
            TracerConfig.prepareEvents(); // JFR is up: not on the application's threads later
            sampler.run(); // JFR is up now: registering costs little
        }
        if (options.log.equals("debug")) {
            AgentLog.debug("start-up " + micros(entered, System.nanoTime()) + " µs: options " + micros(entered, started)
                    + ", boot classes " + micros(started, bootJar) + ", configuration " + micros(bootJar, configured)
                    + ", transformer " + micros(configured, installed) + ", kernel sampler " + micros(installed, listening)
                    + (options.recording == null ? "" : ", recording " + micros(listening, System.nanoTime())));
        }
    }

    /**
     * A recording written to {@code file} when the JVM exits, with the JDK's default (or profile)
     * settings plus socktrace's, or with the settings of a .jfc file as they are.
     */
    private static void startRecording(Path file, String settings) throws Exception {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Recording recording = new Recording(settings.endsWith(".jfc")
                ? jdk.jfr.Configuration.create(Path.of(settings)).getSettings()
                : SettingsFiles.merged(settings, settings.equals("profile")));
        recording.setName("socktrace");
        recording.setToDisk(true);
        recording.setDestination(file);
        recording.setDumpOnExit(true);
        recording.start();
        AgentLog.info("recording to " + file.toAbsolutePath());
    }

    /**
     * Registers the kernel sampler's periodic events (and the sampling settings' and endpoint statistics') once JFR is initialised (at once if it is
     * already): {@link #run} arms it, when this JVM has its first socket or the agent started a
     * recording. Not lambdas: verifying this class must not load boot-jar types before the jar is
     * appended, and a lambda's bootstrap costs start-up time.
     */
    private static final class KernelSamplerStarter implements Runnable, FlightRecorderListener {
        private final AtomicBoolean armed = new AtomicBoolean();
        private final AtomicBoolean started = new AtomicBoolean();
        private final NativeTcpInfo.Pending tcpInfo;
        private final boolean procNet;

        KernelSamplerStarter(NativeTcpInfo.Pending tcpInfo, boolean procNet) {
            this.tcpInfo = tcpInfo;
            this.procNet = procNet;
        }

        @Override
        public void run() {
            if (!armed.getAndSet(true)) {
                FlightRecorder.addListener(this);
            }
        }

        @Override
        public void recorderInitialized(FlightRecorder recorder) {
            if (started.getAndSet(true)) {
                return;
            }
            // JFR calls this while it holds its own locks; registering is left to a thread of ours
            Thread init = new Thread(new Runnable() {
                @Override
                public void run() {
                    TracerConfig.prepareEvents();
                    try {
                        SamplingSettings.start();
                    } catch (Throwable t) {
                        AgentLog.error("starting the endpoint statistics", t);
                    }
                    if (procNet) {
                        KernelSampler.start(tcpInfo.get());
                    }
                }
            }, "socktrace-init");
            init.setDaemon(true);
            init.start();
        }
    }

    private static long micros(long from, long to) {
        return (to - from) / 1000;
    }

    /** net.core.somaxconn: the kernel caps every listen backlog at it. */
    private static int somaxconn() {
        try {
            // java.io: NIO streams would load SocketChannelImpl before it can be instrumented as it
            // loads; and not Files.readString, which returned only "4" of "4096" from this /proc file
            try (java.io.BufferedReader in = new java.io.BufferedReader(new java.io.FileReader("/proc/sys/net/core/somaxconn"))) {
                return Integer.parseInt(in.readLine().trim());
            }
        } catch (IOException | RuntimeException e) {
            return 4096; // the Linux default since 5.4
        }
    }
}
