package io.socktrace.demo;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The command line of a second JVM that runs one of the demo's hidden entry points. Some
 * failures, such as running out of file descriptors, hit a whole process, so their server gets
 * a process of its own instead of taking the demo down with it.
 *
 * <p>The child is the same java with the demo's own classes, and it inherits this JVM's
 * {@code -javaagent} and {@code -XX:StartFlightRecording} options, so that a demo run under the
 * agent traces both processes; each recording file gets a suffix in the child, because two
 * JVMs writing one file would leave neither recording readable.
 */
final class ChildJvm {

    private static final String JAVAAGENT = "-javaagent:";
    private static final String START_FLIGHT_RECORDING = "-XX:StartFlightRecording";
    private static final String JFR = ".jfr";

    private ChildJvm() {
    }

    /**
     * {@code java <inherited options> -cp <demo classes> <main> <args>}.
     *
     * @param recordingSuffix added to the name of each recording file, e.g. {@code -server}
     */
    static List<String> command(Class<?> main, String recordingSuffix, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(inheritedOptions(ManagementFactory.getRuntimeMXBean().getInputArguments(), recordingSuffix));
        command.add("-cp");
        command.add(classPath());
        command.add(main.getName());
        command.addAll(args);
        return command;
    }

    /**
     * The agent, flight-recording and native-access options among a JVM's input arguments, each
     * recording file renamed with the suffix ({@code x.jfr} becomes {@code x-server.jfr}). Other options
     * stay behind: they belong to the parent (a debugger port, a heap size for the tests).
     */
    static List<String> inheritedOptions(List<String> inputArguments, String recordingSuffix) {
        List<String> inherited = new ArrayList<>();
        for (String argument : inputArguments) {
            if (argument.startsWith(JAVAAGENT)) {
                inherited.add(renameAgentRecording(argument, recordingSuffix));
            } else if (argument.startsWith(START_FLIGHT_RECORDING)) {
                inherited.add(renameFlightRecording(argument, recordingSuffix));
            } else if (argument.startsWith("--enable-native-access")) {
                inherited.add(argument); // the agent's TCP_INFO (JDK 22+) in the child too
            }
        }
        return inherited;
    }

    /** Finds an executable on the PATH, as a shell would. */
    static Optional<Path> findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String directory : path.split(File.pathSeparator)) {
            if (directory.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(directory, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * The file a child's recording goes to, this JVM's agent recording renamed with {@code suffix}
     * and {@code extension} in place of {@code .jfr} (a capture next to it: {@code x-netns.pcap});
     * empty when this JVM records nowhere the agent was told.
     */
    static Optional<Path> besideRecording(List<String> inputArguments, String suffix, String extension) {
        for (String argument : inputArguments) {
            if (!argument.startsWith(JAVAAGENT) || argument.indexOf('=') < 0) {
                continue;
            }
            for (String option : argument.substring(argument.indexOf('=') + 1).split(",")) {
                if (option.startsWith("recording=") && option.endsWith(JFR)) {
                    String file = option.substring("recording=".length(), option.length() - JFR.length());
                    return Optional.of(Path.of(file + suffix + extension));
                }
            }
        }
        return Optional.empty();
    }

    /** {@code -javaagent:<jar>=k=v,recording=x.jfr,...}: only a {@code recording} option changes. */
    private static String renameAgentRecording(String argument, String suffix) {
        int eq = argument.indexOf('=');
        if (eq < 0) {
            return argument;
        }
        return argument.substring(0, eq + 1) + renameOption(argument.substring(eq + 1), "recording=", suffix);
    }

    /**
     * {@code -XX:StartFlightRecording[=|:]k=v,filename=x.jfr,...}. Without a file name, or with a
     * directory, the JVM names the file after its process id, which cannot collide.
     */
    private static String renameFlightRecording(String argument, String suffix) {
        int start = START_FLIGHT_RECORDING.length();
        if (argument.length() == start) {
            return argument;
        }
        return argument.substring(0, start + 1) + renameOption(argument.substring(start + 1), "filename=", suffix);
    }

    /** Renames the {@code .jfr} file in the comma-separated option that starts with {@code key}. */
    private static String renameOption(String options, String key, String suffix) {
        String[] parts = options.split(",", -1);
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].startsWith(key) && parts[i].endsWith(JFR)) {
                parts[i] = parts[i].substring(0, parts[i].length() - JFR.length()) + suffix + JFR;
            }
        }
        return String.join(",", parts);
    }

    /**
     * Where the demo's classes are: its jar, or a classes directory in a build. The demo needs
     * nothing else, and under a test runner {@code java.class.path} may name the runner's
     * manifest-only launcher jar, which the runner deletes when it exits.
     */
    private static String classPath() {
        CodeSource source = ChildJvm.class.getProtectionDomain().getCodeSource();
        if (source != null && source.getLocation() != null) {
            try {
                return Path.of(source.getLocation().toURI()).toString();
            } catch (URISyntaxException | IllegalArgumentException e) {
                // Not a file: fall back to the class path, which is where the classes came from.
            }
        }
        return System.getProperty("java.class.path");
    }
}
