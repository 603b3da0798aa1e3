package io.shadowcast.rollout;

/** The outcome of one thing's shadow update, after its retries (the writer logs why one failed). */
public record WriteResult(String thing, Outcome outcome, int throttledRetries) {

    public enum Outcome {
        UPDATED, SKIPPED, FAILED
    }

    public static WriteResult updated(String thing, int throttledRetries) {
        return new WriteResult(thing, Outcome.UPDATED, throttledRetries);
    }

    public static WriteResult skipped(String thing) {
        return skipped(thing, 0);
    }

    /** A thing gone meanwhile; its attempts may have been throttled before the one that found it gone. */
    public static WriteResult skipped(String thing, int throttledRetries) {
        return new WriteResult(thing, Outcome.SKIPPED, throttledRetries);
    }

    public static WriteResult failed(String thing, int throttledRetries) {
        return new WriteResult(thing, Outcome.FAILED, throttledRetries);
    }
}
