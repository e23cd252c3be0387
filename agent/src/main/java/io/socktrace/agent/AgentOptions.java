package io.socktrace.agent;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The agent's options, parsed from {@code -javaagent:socktrace-agent.jar=key=value,...}. Parsing
 * touches no boot-loaded class, because it runs before the runtime is on the boot class path. A bad
 * option throws {@link IllegalArgumentException} with a message that names the key and the valid
 * choices; the agent then prints it and leaves the application untraced.
 */
final class AgentOptions {

    /** Every option, with the text shown when it is misused. */
    static final Map<String, String> KEYS = new LinkedHashMap<>();

    static {
        KEYS.put("receiveThreshold", "a duration such as 10ms, 0, 1s (default 10ms)");
        KEYS.put("sendThreshold", "a duration such as 10ms, 0, 1s (default 10ms)");
        KEYS.put("closeWaitTimeout", "a duration such as 30s, 500ms (default 30s)");
        KEYS.put("openingStacks", "true or false (default false)");
        KEYS.put("recording", "a file name ending in .jfr");
        KEYS.put("settings", "default, profile, or a .jfc file, for the recording option (default: default)");
        KEYS.put("log", "off, error, info or debug (default error)");
    }

    final long receiveThresholdNanos;
    final long sendThresholdNanos;
    final long closeWaitTimeoutNanos;
    final boolean openingStacks;
    final String recording;
    final String settings;
    final String log;

    private AgentOptions(long receiveThresholdNanos, long sendThresholdNanos, long closeWaitTimeoutNanos, boolean openingStacks,
                         String recording, String settings, String log) {
        this.receiveThresholdNanos = receiveThresholdNanos;
        this.sendThresholdNanos = sendThresholdNanos;
        this.closeWaitTimeoutNanos = closeWaitTimeoutNanos;
        this.openingStacks = openingStacks;
        this.recording = recording;
        this.settings = settings;
        this.log = log;
    }

    static AgentOptions parse(String args) {
        long receive = 10_000_000L;
        long send = 10_000_000L;
        long closeWait = 30_000_000_000L;
        boolean stacks = false;
        String recording = null;
        String settings = "default";
        String log = "error";
        if (args != null && !args.isBlank()) {
            for (String pair : args.split(",")) {
                if (pair.isBlank()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = (eq < 0 ? pair : pair.substring(0, eq)).trim();
                String value = eq < 0 ? "" : pair.substring(eq + 1).trim();
                switch (key) {
                    case "receiveThreshold":
                        receive = duration(key, value);
                        break;
                    case "sendThreshold":
                        send = duration(key, value);
                        break;
                    case "closeWaitTimeout":
                        closeWait = duration(key, value);
                        break;
                    case "openingStacks":
                        if (!value.equals("true") && !value.equals("false")) {
                            throw bad(key, value);
                        }
                        stacks = Boolean.parseBoolean(value);
                        break;
                    case "recording":
                        if (value.isEmpty() || !value.endsWith(".jfr")) {
                            throw bad(key, value);
                        }
                        recording = value;
                        break;
                    case "settings":
                        if (!value.equals("default") && !value.equals("profile")
                                && !(value.endsWith(".jfc") && new java.io.File(value).isFile())) {
                            throw new IllegalArgumentException("bad value '" + value + "' for option settings (expected "
                                    + "default, profile, or an existing .jfc file)");
                        }
                        settings = value;
                        break;
                    case "log":
                        String level = value.toLowerCase(Locale.ROOT);
                        if (!level.equals("off") && !level.equals("error") && !level.equals("info") && !level.equals("debug")) {
                            throw bad(key, value);
                        }
                        log = level;
                        break;
                    default:
                        throw new IllegalArgumentException("unknown option '" + key + "' (valid options: "
                                + String.join(", ", KEYS.keySet()) + ")");
                }
            }
        }
        return new AgentOptions(receive, send, closeWait, stacks, recording, settings, log);
    }

    /** Parses "10ms", "10 ms", "1s", "500us", "250ns", "0", "2m" into nanoseconds. */
    static long duration(String key, String value) {
        String v = value.replace(" ", "").toLowerCase(Locale.ROOT);
        if (v.equals("0")) {
            return 0;
        }
        String[][] units = {{"ns", "1"}, {"us", "1000"}, {"ms", "1000000"}, {"s", "1000000000"}, {"m", "60000000000"}};
        for (int i = 0; i < units.length; i++) {
            // match the longest suffix first: "ms" before "s", "ns"/"us" before "s"
            String[] unit = units[i];
            if (v.endsWith(unit[0]) && !(unit[0].equals("s") && (v.endsWith("ms") || v.endsWith("ns") || v.endsWith("us")))
                    && !(unit[0].equals("m") && v.endsWith("ms"))) {
                String number = v.substring(0, v.length() - unit[0].length());
                try {
                    long n = Long.parseLong(number);
                    if (n < 0) {
                        throw bad(key, value);
                    }
                    return Math.multiplyExact(n, Long.parseLong(unit[1]));
                } catch (NumberFormatException | ArithmeticException e) {
                    throw bad(key, value);
                }
            }
        }
        throw bad(key, value);
    }

    private static IllegalArgumentException bad(String key, String value) {
        return new IllegalArgumentException("bad value '" + value + "' for option " + key + " (expected " + KEYS.get(key) + ")");
    }

    @Override
    public String toString() {
        return "receiveThreshold=" + Duration.ofNanos(receiveThresholdNanos) + ", sendThreshold=" + Duration.ofNanos(sendThresholdNanos)
                + ", closeWaitTimeout=" + Duration.ofNanos(closeWaitTimeoutNanos) + ", openingStacks=" + openingStacks
                + ", recording=" + recording + ", settings=" + settings + ", log=" + log;
    }
}
