package io.socktrace.agent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.socktrace.agent.it.AgentJvm.Result;
import io.socktrace.agent.it.programs.Hello;
import io.socktrace.agent.it.programs.ThrowingOptionName;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An exception the agent swallows (advice runs inside JDK methods and must never throw into the
 * application) is still a red build: every run through {@link AgentJvm} fails when the child
 * JVM's stderr has the agent's internal-error line, while warnings about the user's setup do not.
 */
class InternalErrorsIT {

    @Test
    void exceptionCaughtInAdvice_failsTheRun() {
        assertThatThrownBy(() -> AgentJvm.program(ThrowingOptionName.class, ""))
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("the agent reported an internal error: [socktrace] internal error #1 in optionSet: "
                        + "java.lang.IllegalStateException: name() of ThrowingOptionName");
    }

    @Test
    void userFacingWarning_doesNotFailTheRun() throws Exception {
        Result r = AgentJvm.run("bogus=1", List.of(), List.of("-cp", AgentJvm.TEST_CLASSES.toString(), Hello.class.getName()));

        assertThat(r.exitCode).isZero();
        assertThat(r.stderr).startsWith("[socktrace] ").contains("unknown option 'bogus'");
    }

    @Test
    void internalErrorLine_isTheAgentLogErrorFormatOnly() {
        List<String> cmd = List.of("java");
        AgentJvm.assertNoInternalErrors(cmd, "[socktrace] unknown option 'x'\n[socktrace] could not read /proc: denied\n");
        AgentJvm.assertNoInternalErrors(cmd, "application log: [socktrace] internal error #1 quoted mid-line\n");
        assertThatThrownBy(() -> AgentJvm.assertNoInternalErrors(cmd, "hello\n[socktrace] internal error #11 in receiveEnd: java.lang.NullPointerException\n"))
                .isInstanceOf(AssertionError.class).hasMessageContaining("internal error #11 in receiveEnd");
    }
}
