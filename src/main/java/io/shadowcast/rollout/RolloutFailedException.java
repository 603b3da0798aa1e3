package io.shadowcast.rollout;

/**
 * A rollout that can never succeed, such as for an object deleted before it was read or a payload
 * above the shadow size limit. It ends FAILED with this message as its reason; retrying would not help.
 */
public class RolloutFailedException extends RuntimeException {

    public RolloutFailedException(String message) {
        super(message);
    }

    public RolloutFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
