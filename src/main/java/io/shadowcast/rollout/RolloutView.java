package io.shadowcast.rollout;

import com.fasterxml.jackson.annotation.JsonUnwrapped;

/** A rollout as {@code GET /rollouts/{id}} shows it: its record and what its devices reported back. */
public record RolloutView(@JsonUnwrapped RolloutRecord rollout, DeviceLedger.Convergence convergence) {
}
