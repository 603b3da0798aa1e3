package io.shadowcast.rollout;

/**
 * Where a rollout stands; the state machine is the table in docs/rollout.md, "States". RUNNING and
 * PAUSED may still change; every other status is final.
 */
public enum RolloutStatus {
    /** Being written or watched, or interrupted and waiting to be resumed by a redelivered message. */
    RUNNING,
    /**
     * Stopped between or within waves (a wave missed its threshold or harmed its devices, or by request);
     * no worker holds it and its message is deleted. {@code POST /rollouts/{id}/resume} runs it on,
     * {@code DELETE} cancels it.
     */
    PAUSED,
    /** Every target updated or skipped (gone). */
    SUCCEEDED,
    /** Finished, but some things failed; their first names are in the record. */
    PARTIAL,
    /** Could not start: object gone, payload too large, invalid target or wave plan. */
    FAILED,
    /** Stopped by the abort criteria (of the writes, or of a wave's device reports). */
    ABORTED,
    /** Stopped by DELETE /rollouts/{id}. */
    CANCELLED,
    /** A newer upload for the same shadow slot replaced it (see {@code supersededBy}); it stopped writing. */
    SUPERSEDED;

    public boolean isFinal() {
        return this != RUNNING && this != PAUSED;
    }

    /** True when a worker runs it now or resumes it from a redelivered message; false when it waits for nobody's work. */
    public boolean isActive() {
        return this == RUNNING;
    }
}
