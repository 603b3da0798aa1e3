package io.shadowcast.sqs;

/**
 * A message that can never succeed (not JSON, wrong shape). The consumer makes it visible again at
 * once so that the redrive policy moves it to the dead-letter queue after its receive count,
 * instead of holding it back for a full visibility timeout each time.
 */
public class PoisonMessageException extends RuntimeException {

    public PoisonMessageException(String message) {
        super(message);
    }

    public PoisonMessageException(String message, Throwable cause) {
        super(message, cause);
    }
}
