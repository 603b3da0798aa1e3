package io.shadowcast.rollout;

/**
 * What a rollout did so far.
 *
 * @param targets          things listed and handed to the fan-out
 * @param updated          shadows written
 * @param skipped          things that disappeared before their update (ResourceNotFound)
 * @param failed           things whose update failed for good
 * @param throttledRetries throttled responses that were retried
 * @param joined           shadows written after the rollout's own pass, for things that joined its targets
 *                         later (registry events, sweeps: see docs/rollout.md, "Things that join later");
 *                         kept in its own attribute, which the rollout's checkpoints never overwrite
 */
public record RolloutCounts(long targets, long updated, long skipped, long failed, long throttledRetries, long joined) {

    public static final RolloutCounts ZERO = new RolloutCounts(0, 0, 0, 0, 0);

    /** The counts of a rollout's own pass, before any thing joined. */
    public RolloutCounts(long targets, long updated, long skipped, long failed, long throttledRetries) {
        this(targets, updated, skipped, failed, throttledRetries, 0);
    }

    public RolloutCounts plus(RolloutCounts other) {
        return new RolloutCounts(targets + other.targets, updated + other.updated, skipped + other.skipped,
                failed + other.failed, throttledRetries + other.throttledRetries, joined + other.joined);
    }

    /** Things whose update has an outcome. */
    public long attempted() {
        return updated + skipped + failed;
    }
}
