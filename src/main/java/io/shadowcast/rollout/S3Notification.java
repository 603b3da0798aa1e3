package io.shadowcast.rollout;

import java.util.List;

/** What one rollout queue message holds, once unwrapped from a possible SNS envelope (or a retry this service queued). */
public sealed interface S3Notification {

    /** Sent by S3 when a notification configuration is saved; acknowledged and ignored. */
    record TestEvent(String bucket) implements S3Notification {
    }

    /**
     * {@code POST /rollouts/{id}/retry}: write again to the things that rollout failed.
     *
     * @param from the status it had when the retry was asked for (PARTIAL or ABORTED), which it keeps
     *             unless the retry leaves no failure of a PARTIAL rollout
     */
    record Retry(String rolloutId, String retryId, RolloutStatus from) implements S3Notification {
    }

    /** {@code POST /rollouts/{id}/resume}: continue a rollout that was paused, from its checkpoint. */
    record Resume(String rolloutId) implements S3Notification {
    }

    /** One or more event records, each handled on its own. */
    record Records(List<S3EventRecord> records) implements S3Notification {

        public Records {
            records = List.copyOf(records);
        }
    }
}
