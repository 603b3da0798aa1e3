package io.shadowcast.rollout;

/**
 * Another worker holds a live lease on this rollout (an SQS duplicate or an early redelivery of its
 * event). Thrown instead of waiting, so that the duplicate does not occupy a rollout handler for the
 * whole rollout: the message stays on the queue and comes back after its visibility timeout, when it
 * is acknowledged if the rollout has ended, or resumes it if its worker died meanwhile.
 */
public class RolloutBusyException extends RuntimeException {

    public RolloutBusyException(String id, String url) {
        // no stack trace: this is an expected outcome, logged by the consumer in one line
        super("rollout " + id + " of " + url + " is running on another worker; the message stays on the queue",
                null, false, false);
    }
}
