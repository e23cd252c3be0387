package io.socktrace.demo;

import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * One timed blocking socket call and how it ended. Scenarios provoke failures on purpose, so
 * an exception here is data: it is kept with the call's duration, to be judged and reported
 * afterwards, possibly by another thread than the one that made the call.
 *
 * @param nanos   how long the call took
 * @param value   what the call returned, if it returned
 * @param failure what the call threw, if it threw
 */
record Attempt<T>(long nanos, T value, IOException failure) {

    /** A socket call that returns something. */
    @FunctionalInterface
    interface Call<T> {
        T call() throws IOException;
    }

    /** A socket call that returns nothing, such as a connect or a write. */
    @FunctionalInterface
    interface VoidCall {
        void call() throws IOException;
    }

    static <T> Attempt<T> of(Call<T> call) {
        long start = System.nanoTime();
        try {
            T value = call.call();
            return new Attempt<>(System.nanoTime() - start, value, null);
        } catch (IOException e) {
            return new Attempt<>(System.nanoTime() - start, null, e);
        }
    }

    static Attempt<Void> ofVoid(VoidCall call) {
        return of(() -> {
            call.call();
            return null;
        });
    }

    boolean failed() {
        return failure != null;
    }

    /**
     * Whether the call failed with one of these messages. The message, not the exception
     * class, tells the failures apart: a reset and a broken pipe are both plain
     * {@code SocketException}s.
     */
    boolean failedWith(String... messages) {
        String message = failed() ? failure.getMessage() : null;
        return message != null && Arrays.stream(messages).anyMatch(message::startsWith);
    }

    long millis() {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    /** The duration for people: microseconds where milliseconds would round to nothing. */
    String took() {
        long micros = TimeUnit.NANOSECONDS.toMicros(nanos);
        return micros < 10_000 ? micros + " us" : millis() + " ms";
    }

    /** E.g. {@code "failed after 503 ms: java.net.SocketTimeoutException: Read timed out"}. */
    String outcome() {
        return failed()
                ? "failed after " + took() + ": " + failure
                : value == null ? "succeeded after " + took() : "returned " + value + " after " + took();
    }
}
