package io.shadowcast.rollout;

/** The outcome of one thing's shadow update, after its retries. */
public record WriteResult(String thing, Outcome outcome, int throttledRetries, String error) {

    public enum Outcome {
        UPDATED, SKIPPED, FAILED
    }

    public static WriteResult updated(String thing, int throttledRetries) {
        return new WriteResult(thing, Outcome.UPDATED, throttledRetries, null);
    }

    public static WriteResult skipped(String thing, String why) {
        return new WriteResult(thing, Outcome.SKIPPED, 0, why);
    }

    public static WriteResult failed(String thing, int throttledRetries, String error) {
        return new WriteResult(thing, Outcome.FAILED, throttledRetries, error);
    }
}
