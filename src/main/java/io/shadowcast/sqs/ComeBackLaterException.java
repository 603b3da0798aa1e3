package io.shadowcast.sqs;

/**
 * The message's work is not this handler's to do now, and nothing failed: another worker holds it (an SQS
 * duplicate of a rollout's event, a resume while the rollout still runs). The message must stay, as a
 * backstop should that worker die, but waiting is not a failure: it must not count towards the queue's
 * redrive policy, or a duplicate of a long rollout would reach the dead-letter queue.
 */
public class ComeBackLaterException extends RuntimeException {

    public ComeBackLaterException(String message) {
        // no stack trace: an expected outcome, logged by the consumer in one line
        super(message, null, false, false);
    }
}
