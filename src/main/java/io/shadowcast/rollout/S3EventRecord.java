package io.shadowcast.rollout;

/** One record of an S3 event notification. */
public sealed interface S3EventRecord {

    String eventName();

    /** An {@code ObjectCreated:*} record: a new object version to roll out. */
    record ObjectCreated(String eventName, ObjectRef object, long size) implements S3EventRecord {
    }

    /** Any other event (removals, restores, replication...): logged and ignored. */
    record Other(String eventName, String bucket, String key) implements S3EventRecord {
    }
}
