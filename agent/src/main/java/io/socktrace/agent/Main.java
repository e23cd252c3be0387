package io.socktrace.agent;

import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code java -jar socktrace-agent.jar <command>}: small tools that need nothing but the agent jar.
 * <ul>
 *   <li>{@code summary <recording.jfr>} — the socktrace events of a recording, per connection</li>
 *   <li>{@code settings [--profile]} — a complete .jfc for the JDK running this command</li>
 *   <li>{@code attach <pid> [options]} — load the agent into a running JVM</li>
 *   <li>{@code watch <pid> [--seconds N]} — its socket events, live</li>
 *   <li>{@code events} — the event and field reference, as Markdown</li>
 * </ul>
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            usage(out);
            return 0;
        }
        try {
            switch (args[0]) {
                case "summary":
                    if (args.length != 2) {
                        err.println("socktrace: summary takes one argument, the recording file");
                        return 2;
                    }
                    Path file = Path.of(args[1]);
                    if (!Files.isRegularFile(file)) {
                        err.println("socktrace: no such recording: " + file);
                        return 2;
                    }
                    return Summary.print(file, out, err);
                case "settings":
                    boolean profile = args.length > 1 && args[1].equals("--profile");
                    if (args.length > 2 || (args.length == 2 && !profile)) {
                        err.println("socktrace: settings takes only --profile");
                        return 2;
                    }
                    out.print(settingsFile(profile));
                    return 0;
                case "attach":
                    if (args.length < 2 || args.length > 3) {
                        err.println("socktrace: usage: attach <pid> [option=value,...]");
                        return 2;
                    }
                    return Attach.run(args[1], args.length == 3 ? args[2] : "", out, err);
                case "events":
                    // Markdown for README.md, which is UTF-8: JDK 17 would print in the locale's charset,
                    // '?' for every dash under LANG=C (a fresh account, a container)
                    byte[] markdown = EventReference.markdown(BootClasses.loader(Main.class.getClassLoader()))
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    out.write(markdown, 0, markdown.length);
                    out.flush();
                    return 0;
                case "watch":
                    if (args.length == 2) {
                        return Watch.run(args[1], 0, out, err);
                    }
                    if (args.length == 4 && args[2].equals("--seconds") && args[3].matches("[1-9]\\d{0,6}")) {
                        return Watch.run(args[1], Long.parseLong(args[3]), out, err);
                    }
                    err.println("socktrace: usage: watch <pid> [--seconds N]");
                    return 2;
                default:
                    err.println("socktrace: unknown command '" + args[0] + "' (valid: summary, settings, attach, watch, events)");
                    return 2;
            }
        } catch (Exception e) {
            err.println("socktrace: " + e.getMessage());
            return 1;
        }
    }

    /**
     * The {@code jfr-events} classes live only in the nested boot jar (the agent defines them in the
     * boot loader; here no agent runs), so they are loaded from it by a class loader of our own.
     */
    private static String settingsFile(boolean profile) throws Exception {
        ClassLoader loader = BootClasses.loader(Main.class.getClassLoader());
        Method jfc = Class.forName("io.socktrace.events.SettingsFiles", true, loader).getMethod("jfc", String.class, boolean.class);
        return (String) jfc.invoke(null, profile ? "profile" : "default", profile);
    }

    private static void usage(PrintStream out) {
        out.println("usage: java -jar socktrace-agent.jar <command>");
        out.println("  summary <recording.jfr>   socktrace events of a recording, one block per connection");
        out.println("  settings [--profile]      print a complete .jfc (this JDK's default or profile + socktrace)");
        out.println("  attach <pid> [options]    load the agent into a running JVM (options as for -javaagent)");
        out.println("  watch <pid> [--seconds N] a running JVM's socket events as they happen (loads the agent if missing)");
        out.println("  events                    the event and field reference, as Markdown");
        out.println("as an agent: java -javaagent:socktrace-agent.jar[=option=value,...] ...");
        out.println("  options: " + String.join(", ", AgentOptions.KEYS.keySet()));
    }
}
