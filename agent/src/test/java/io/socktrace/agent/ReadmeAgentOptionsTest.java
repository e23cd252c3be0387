package io.socktrace.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * README's "Agent options" against {@link AgentOptions}: the table documents every option and no
 * other, and the example error line names them all, so adding an option without its documentation
 * (or dropping one and leaving it there) fails here. AgentOptionsIT checks that a real JVM prints
 * that very line.
 */
class ReadmeAgentOptionsTest {
    static final Path README = Path.of("..", "README.md");

    /** The lines of README's "### Agent options" section. */
    static List<String> section() throws Exception {
        List<String> lines = Files.readAllLines(README);
        int start = lines.indexOf("### Agent options");
        assertThat(start).as("README has an \"### Agent options\" section").isNotNegative();
        List<String> section = new ArrayList<>();
        for (String line : lines.subList(start + 1, lines.size())) {
            if (line.startsWith("#")) {
                break;
            }
            section.add(line);
        }
        return section;
    }

    /** README's example of the line the agent prints for {@code bogus=1}. */
    static String exampleErrorLine() throws Exception {
        Pattern example = Pattern.compile("`(\\[socktrace\\] unknown option 'bogus' [^`]*)`");
        for (String line : section()) {
            Matcher m = example.matcher(line);
            if (m.find()) {
                return m.group(1);
            }
        }
        throw new AssertionError("README's Agent options has no example of the unknown-option line");
    }

    @Test
    void optionTable_documentsEveryOptionAndNoOther() throws Exception {
        Pattern row = Pattern.compile("^\\| `([A-Za-z]+)` \\|");
        List<String> documented = new ArrayList<>();
        for (String line : section()) {
            Matcher m = row.matcher(line);
            if (m.find()) {
                documented.add(m.group(1));
            }
        }
        assertThat(documented).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(AgentOptions.KEYS.keySet());
    }

    @Test
    void unknownOption_messageListsEveryOption_asReadmeShowsIt() throws Exception {
        assertThatThrownBy(() -> AgentOptions.parse("bogus=1")).isInstanceOf(IllegalArgumentException.class)
                .satisfies(e -> {
                    assertThat(e.getMessage()).contains(AgentOptions.KEYS.keySet());
                    // SocktraceAgent prints the message between these (AgentOptionsIT sees a real JVM do it)
                    assertThat(exampleErrorLine()).isEqualTo("[socktrace] " + e.getMessage() + "; the application runs untraced");
                });
    }
}
