package io.socktrace.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.socktrace.events.ReceiveEvent;
import io.socktrace.events.SendEvent;
import java.lang.reflect.Field;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import jdk.jfr.Event;
import jdk.jfr.Name;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link EventTimes} writes JFR's private {@code startTime} and {@code duration} fields from
 * {@code System.nanoTime()} readings. Checked against what a real recording says: an event's start
 * is compared with a reference event begun between two {@code nanoTime()} reads, so the offset
 * between the two clocks cancels out. The fast path must put the start where the operation began;
 * the fallback (the fields cannot be used) must leave the event alone, so the caller's
 * {@code begin()} at the end of the operation times it from there.
 */
class EventTimesTest {

    /** An event begun at a known {@code nanoTime()}: the anchor of every comparison. */
    @Name("socktrace.test.Reference")
    static final class Reference extends Event {
    }

    /** Where the reference event's start lies, in {@code nanoTime()}. */
    private long referenceBefore;
    private long referenceAfter;
    private Recording recording;
    private int savedState;
    /** The socket of the reads given to {@link Tracing}: forgotten after, so no other test sees its connection. */
    private final Object socket = new Object();

    @TempDir
    Path dir;

    @BeforeEach
    void record() throws Exception {
        savedState = state().getInt(null);
        recording = new Recording();
        recording.enable("socktrace.Receive").withThreshold(Duration.ZERO);
        recording.enable("socktrace.Send").withThreshold(Duration.ZERO);
        recording.enable(Reference.class);
        recording.start();
        Reference reference = new Reference();
        referenceBefore = System.nanoTime();
        reference.begin();
        referenceAfter = System.nanoTime();
        reference.commit();
    }

    @AfterEach
    void restore() throws Exception {
        Connections.forget(socket);
        recording.close();
        state().setInt(null, savedState);
    }

    @Test
    void apply_fastPath_recordsTheStartAndDurationOfTheOperation() throws Exception {
        long start = referenceBefore - 30_000_000; // began 30 ms before the reference
        long end = start + 2_000_000;
        SendEvent send = new SendEvent();
        send.timeout = 3333; // marks this event in the recording

        assertThat(EventTimes.apply(send, start, end)).as("fast path usable on this JVM").isTrue();
        send.commit();

        List<RecordedEvent> events = stopAndRead();
        RecordedEvent recorded = single(events, "socktrace.Send", 3333);
        assertThat(recorded.getDuration()).isEqualTo(Duration.ofNanos(2_000_000)); // one tick per nanosecond
        assertStartBetween(recorded, events, start, start);
    }

    @Test
    void received_fastPath_timesTheReadFromItsStart() throws Exception {
        long start = System.nanoTime() - 30_000_000; // a read that has waited 30 ms
        long before = System.nanoTime();
        ReceiveEvent event = TransferTracing.received(socket, start, 0, 1111, new SocketTimeoutException("Read timed out"));
        long after = System.nanoTime();
        assertThat(event).isNotNull();
        event.commit();

        List<RecordedEvent> events = stopAndRead();
        RecordedEvent recorded = single(events, "socktrace.Receive", 1111);
        assertThat(recorded.getString("outcome")).isEqualTo(ReceiveOutcome.TIMED_OUT.name());
        assertStartBetween(recorded, events, start, start);
        assertThat(recorded.getDuration()).isBetween(Duration.ofNanos(before - start), Duration.ofNanos(after - start));
    }

    @Test
    void apply_fallback_leavesTheEventAlone() throws Exception {
        state().setInt(null, -1); // as after a failed check that JFR ticks follow nanoTime, or missing fields
        ReceiveEvent receive = new ReceiveEvent();
        SendEvent send = new SendEvent();

        assertThat(EventTimes.apply(receive, 1_000, 2_000)).isFalse();
        assertThat(EventTimes.apply(send, 1_000, 2_000)).isFalse();

        assertThat(startTicks(receive)).isZero();
        assertThat(startTicks(send)).isZero();
    }

    @Test
    void received_fallback_timesTheReadFromItsEnd() throws Exception {
        state().setInt(null, -1);
        long start = System.nanoTime() - 30_000_000;
        long before = System.nanoTime();
        ReceiveEvent event = TransferTracing.received(socket, start, 0, 2222, new SocketTimeoutException("Read timed out"));
        assertThat(event).isNotNull();
        event.commit();
        long after = System.nanoTime();

        List<RecordedEvent> events = stopAndRead();
        RecordedEvent recorded = single(events, "socktrace.Receive", 2222);
        // begin() when the read ended: the 30 ms the read waited are not in the event
        assertStartBetween(recorded, events, before, after);
        assertThat(recorded.getDuration()).isLessThanOrEqualTo(Duration.ofNanos(after - before));
    }

    private List<RecordedEvent> stopAndRead() throws Exception {
        recording.stop();
        Path file = dir.resolve("times.jfr");
        recording.dump(file);
        assertThat(Files.size(file)).isPositive();
        return RecordingFile.readAllEvents(file);
    }

    private static RecordedEvent single(List<RecordedEvent> events, String name, long timeout) {
        List<RecordedEvent> found = events.stream().filter(e -> e.getEventType().getName().equals(name))
                .filter(e -> e.getDuration("timeout").toMillis() == timeout).collect(Collectors.toList());
        assertThat(found).as("%s with timeout %d in %s", name, timeout, events).hasSize(1);
        return found.get(0);
    }

    /**
     * The event's recorded start, relative to the reference's, lies where {@code nanoTime()} values
     * {@code earliest} and {@code latest} lie relative to the reference's begin (known to within the
     * two reads around it), give or take a microsecond of rounding.
     */
    private void assertStartBetween(RecordedEvent event, List<RecordedEvent> events, long earliest, long latest) {
        Instant referenceStart = events.stream().filter(e -> e.getEventType().getName().equals("socktrace.test.Reference"))
                .findFirst().orElseThrow().getStartTime();
        long offset = Duration.between(referenceStart, event.getStartTime()).toNanos();
        assertThat(offset).isBetween(earliest - referenceAfter - 1_000, latest - referenceBefore + 1_000);
    }

    private static Field state() throws NoSuchFieldException {
        Field state = EventTimes.class.getDeclaredField("state");
        state.setAccessible(true);
        return state;
    }

    private static long startTicks(Event event) throws ReflectiveOperationException {
        Field start = event.getClass().getDeclaredField("startTime");
        start.setAccessible(true);
        return start.getLong(event);
    }
}
