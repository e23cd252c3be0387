package io.socktrace.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.events.EventNames;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The README's generated event reference covers every event the agent records, in the schema's order. */
class EventReferenceTest {

    @Test
    void eventClasses_areTheSchemasEvents() {
        // EventReference names classes by string (it loads them from the nested boot jar), so a new event
        // would be left out of the README without this
        assertThat(Arrays.stream(EventReference.EVENT_CLASSES).collect(Collectors.toList()))
                .isEqualTo(EventNames.AGENT_EVENTS.stream().map(name -> EventNames.simpleName(name) + "Event").collect(Collectors.toList()));
    }
}
