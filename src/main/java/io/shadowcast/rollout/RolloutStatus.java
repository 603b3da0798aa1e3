package io.shadowcast.rollout;

/** Where a rollout stands. Every status but RUNNING is final. */
public enum RolloutStatus {
    /** Being written, or interrupted and waiting to be resumed by a redelivered message. */
    RUNNING,
    /** Every target updated or skipped (gone). */
    SUCCEEDED,
    /** Finished, but some things failed; their first names are in the record. */
    PARTIAL,
    /** Could not start: object gone, payload too large, invalid target. */
    FAILED,
    /** Stopped by the abort criteria. */
    ABORTED,
    /** Stopped by DELETE /rollouts/{id}. */
    CANCELLED,
    /** A newer upload for the same shadow slot replaced it (see {@code supersededBy}); it stopped writing. */
    SUPERSEDED;

    public boolean isFinal() {
        return this != RUNNING;
    }
}
