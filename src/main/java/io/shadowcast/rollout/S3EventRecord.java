package io.shadowcast.rollout;

/** One record of an S3 event notification. */
public sealed interface S3EventRecord {

    String eventName();

    /** An {@code ObjectCreated:*} record: a new upload to roll out. */
    record ObjectCreated(String eventName, Upload upload, long size) implements S3EventRecord {

        public ObjectRef object() {
            return upload.object();
        }
    }

    /** Any other event (removals, restores, replication...): logged and ignored. */
    record Other(String eventName, String bucket, String key) implements S3EventRecord {
    }
}
