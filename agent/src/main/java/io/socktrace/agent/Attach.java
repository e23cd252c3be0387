package io.socktrace.agent;

import com.sun.tools.attach.VirtualMachine;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * {@code attach <pid> [options]}: loads the agent into a running JVM through the Attach API. The
 * options are checked here first, so a typo is reported to the person typing it rather than
 * ending up as a line on the target's stderr.
 */
final class Attach {

    private Attach() {
    }

    static int run(String pid, String options, PrintStream out, PrintStream err) throws Exception {
        try {
            AgentOptions.parse(options);
        } catch (IllegalArgumentException e) {
            err.println("socktrace: " + e.getMessage());
            return 2;
        }
        if (!pid.matches("\\d+")) {
            err.println("socktrace: attach needs a process id, got '" + pid + "'");
            return 2;
        }
        Path jar = Path.of(Attach.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        VirtualMachine vm = VirtualMachine.attach(pid);
        try {
            vm.loadAgent(jar.toString(), options == null ? "" : options);
        } finally {
            vm.detach();
        }
        out.println("socktrace: agent loaded into " + pid + (options == null || options.isEmpty() ? "" : " with " + options));
        return 0;
    }
}
