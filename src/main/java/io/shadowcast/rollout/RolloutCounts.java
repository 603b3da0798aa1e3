package io.shadowcast.rollout;

/**
 * What a rollout did so far.
 *
 * @param targets          things listed and handed to the fan-out
 * @param updated          shadows written
 * @param skipped          things that disappeared before their update (ResourceNotFound)
 * @param failed           things whose update failed for good
 * @param throttledRetries throttled responses that were retried
 */
public record RolloutCounts(long targets, long updated, long skipped, long failed, long throttledRetries) {

    public static final RolloutCounts ZERO = new RolloutCounts(0, 0, 0, 0, 0);

    public RolloutCounts plus(RolloutCounts other) {
        return new RolloutCounts(targets + other.targets, updated + other.updated, skipped + other.skipped,
                failed + other.failed, throttledRetries + other.throttledRetries);
    }

    /** Things whose update has an outcome. */
    public long attempted() {
        return updated + skipped + failed;
    }
}
