package io.shadowcast.rollout;

import io.shadowcast.sqs.ComeBackLaterException;

/**
 * Another worker holds a live lease on this rollout (an SQS duplicate or an early redelivery of its
 * event, a resume or retry while it still runs). Thrown instead of waiting, so that the message does not
 * occupy a rollout handler for the whole rollout: the consumer sends it again, due after its visibility
 * timeout, when it is acknowledged if the rollout has ended, or resumes it if its worker died meanwhile.
 */
public class RolloutBusyException extends ComeBackLaterException {

    public RolloutBusyException(String id, String url) {
        super("rollout " + id + " of " + url + " is running on another worker");
    }
}
