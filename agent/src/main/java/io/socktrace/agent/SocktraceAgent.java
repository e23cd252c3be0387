package io.socktrace.agent;

import java.lang.instrument.Instrumentation;

/**
 * Entry point named in the manifest ({@code Premain-Class}, {@code Agent-Class}). Deliberately
 * tiny: it parses the options and checks the JVM can be traced, using nothing but {@code java.base},
 * then hands over to {@link AgentStarter}, which may use the boot-loaded runtime. Whatever happens
 * here, the application starts: problems are one line on stderr.
 */
public final class SocktraceAgent {

    private SocktraceAgent() {
    }

    public static void premain(String args, Instrumentation inst) {
        start(args, inst, false);
    }

    public static void agentmain(String args, Instrumentation inst) {
        start(args, inst, true);
    }

    private static void start(String args, Instrumentation inst, boolean lateAttach) {
        long entered = System.nanoTime();
        InvokePreload.run(); // first of all: see its javadoc
        AgentOptions options;
        try {
            options = AgentOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("[socktrace] " + e.getMessage() + "; the application runs untraced");
            return;
        }
        if (ModuleLayer.boot().findModule("jdk.jfr").isEmpty()) {
            System.err.println("[socktrace] this JVM has no jdk.jfr module (a jlinked image or --limit-modules?);"
                    + " the application runs untraced");
            return;
        }
        try {
            AgentStarter.start(options, inst, lateAttach, entered);
        } catch (Throwable t) {
            System.err.println("[socktrace] failed to start (" + t + "); the application runs untraced");
            if ("debug".equals(options.log)) {
                t.printStackTrace();
            }
        }
    }
}
