package io.socktrace.agent;

import io.socktrace.events.SettingsFiles;
import io.socktrace.instrumentation.Instrumentations;
import io.socktrace.runtime.AgentLog;
import io.socktrace.runtime.OpenSockets;
import io.socktrace.runtime.TracerConfig;
import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import jdk.jfr.Recording;

/**
 * Everything after the checks: boot jar, runtime configuration, transformations, and the optional
 * recording. Kept apart from {@link SocktraceAgent} because this class refers to boot-loaded
 * classes, which must not be resolved before the boot jar is appended.
 */
final class AgentStarter {

    private AgentStarter() {
    }

    static void start(AgentOptions options, Instrumentation inst, boolean lateAttach) throws Exception {
        BootJar.install(inst);
        AgentLog.setLevel(AgentLog.Level.valueOf(options.log.toUpperCase(Locale.ROOT)));
        TracerConfig.setReceiveThresholdNanos(options.receiveThresholdNanos);
        TracerConfig.setSendThresholdNanos(options.sendThresholdNanos);
        TracerConfig.setMaxBacklog(somaxconn());
        TracerConfig.setCloseWaitTimeoutNanos(options.closeWaitTimeoutNanos);
        TracerConfig.setOpeningStacks(options.openingStacks);

        Set<String> loaded = Instrumentations.loadedTargets(inst);
        String safeProperty = "net.bytebuddy.safe"; // relocated with Byte Buddy by the shade plugin
        String previous = System.getProperty(safeProperty);
        System.setProperty(safeProperty, "true"); // keeps Byte Buddy off sun.misc.Unsafe (warning on JDK 23+)
        try {
            Instrumentations.install(inst, loaded);
        } finally {
            if (previous == null) {
                System.clearProperty(safeProperty);
            } else {
                System.setProperty(safeProperty, previous);
            }
        }
        AgentLog.info("started (" + options + (lateAttach ? ", attached late" : "")
                + (loaded.isEmpty() ? "" : ", retransformed: " + loaded) + ")");
        OpenSockets.startMonitor();
        if (new java.io.File("/proc/net/tcp").exists()) {
            // Registering periodic events initialises JFR (~150 ms here): done off the main thread
            // so the application's start does not wait for it. Not inline: verifying this class
            // would then load boot-jar types before the jar is appended.
            Thread init = new Thread(KernelSampler::start, "socktrace-init");
            init.setDaemon(true);
            init.start();
        } else {
            AgentLog.info("no /proc/net/tcp: TcpInfo, ListenQueue and NetworkStatistics are not available");
        }
        if (options.recording != null) {
            startRecording(Path.of(options.recording), options.settings);
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
