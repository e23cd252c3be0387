package io.socktrace.testsupport;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class AgentOutputTest {

    @Test
    void assertNoInternalErrors_failsOnTheAgentsErrorLine_quotingIt() {
        String output = "hello\n[socktrace] internal error #1 in receive advice: java.lang.IllegalStateException: boom\nbye\n";
        AssertionError e = assertThrows(AssertionError.class, () -> AgentOutput.assertNoInternalErrors(List.of("java", "X"), output));
        assertTrue(e.getMessage().startsWith("the agent reported an internal error: [socktrace] internal error #1 in receive advice"),
                e.getMessage());
    }

    @Test
    void assertNoInternalErrors_passesWarningsAboutTheUsersSetup() {
        assertDoesNotThrow(() -> AgentOutput.assertNoInternalErrors(List.of("java"),
                "[socktrace] unknown option 'recordin' (valid: …); the application runs without it\n"
                        + "application says: internal error #3 is its own business\n"));
    }
}
