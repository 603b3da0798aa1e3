package io.shadowcast.rollout;

/**
 * What a running rollout does with its current wave; saved with its checkpoints, so that a resumed
 * worker picks up the same step (docs/rollout.md, "Staged waves").
 */
public enum WaveStage {
    /** Writing the wave's things, from the checkpoint's page. */
    WRITING,
    /** The wave is written; the gate waits for its devices' reports before the next wave. */
    WATCHING,
    /** Every wave is written; only the final status is missing. */
    WRITTEN
}
