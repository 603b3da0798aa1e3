package io.shadowcast.rollout;

import java.util.List;

/** What one rollout queue message holds, once unwrapped from a possible SNS envelope. */
public sealed interface S3Notification {

    /** Sent by S3 when a notification configuration is saved; acknowledged and ignored. */
    record TestEvent(String bucket) implements S3Notification {
    }

    /** One or more event records, each handled on its own. */
    record Records(List<S3EventRecord> records) implements S3Notification {

        public Records {
            records = List.copyOf(records);
        }
    }
}
