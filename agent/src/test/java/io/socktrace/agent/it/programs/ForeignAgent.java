package io.socktrace.agent.it.programs;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.none;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import java.lang.instrument.Instrumentation;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;

/**
 * Another team's Java agent, built on its own (older) Byte Buddy, that also weaves
 * {@code sun.nio.ch.NioSocketImpl}: it prints one line on stderr for every socket connect. The
 * test packs it into a jar next to that Byte Buddy and runs it before or after socktrace.
 */
public final class ForeignAgent {

    private ForeignAgent() {
    }

    public static void premain(String args, Instrumentation inst) {
        new AgentBuilder.Default()
                .ignore(none())
                .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
                .disableClassFormatChanges()
                .type(named("sun.nio.ch.NioSocketImpl"))
                .transform((builder, type, loader, module, domain) ->
                        builder.visit(Advice.to(ConnectAdvice.class).on(named("connect").and(takesArguments(2)))))
                .installOn(inst);
        System.err.println("[foreign-agent] installed");
    }

    /** Inlined into the JDK class: may use java.base only. */
    static final class ConnectAdvice {
        @Advice.OnMethodEnter
        static void enter() {
            System.err.println("[foreign-agent] connect");
        }
    }
}
