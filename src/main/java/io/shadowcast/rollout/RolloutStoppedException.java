package io.shadowcast.rollout;

/**
 * The rollout record is no longer this worker's to write: it was cancelled, or its lease ran out
 * and another worker resumed it. The fan-out stops without touching the record.
 */
public class RolloutStoppedException extends RuntimeException {

    public RolloutStoppedException(String message) {
        super(message);
    }
}
