package io.shadowcast.rollout;

import java.util.Objects;

/**
 * One S3 object version that a rollout publishes (which upload it was is {@link Upload}).
 *
 * @param versionId the version from the event, or null for an unversioned bucket
 * @param eTag      the ETag from the event (without quotes), or null when unknown
 */
public record ObjectRef(String bucket, String key, String versionId, String eTag) {

    public ObjectRef {
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(key, "key");
        // unversioned buckets report the version as absent or as the string "null"; both mean none
        versionId = versionId == null || versionId.isBlank() || "null".equals(versionId) ? null : versionId;
        eTag = bareETag(eTag);
    }

    /** {@code s3://bucket/key}, the address written into every shadow. */
    public String url() {
        return "s3://" + bucket + "/" + key;
    }

    /** An ETag without the quotes that S3 responses have and event records do not; null when blank. */
    static String bareETag(String eTag) {
        if (eTag == null || eTag.isBlank()) {
            return null;
        }
        return eTag.length() >= 2 && eTag.startsWith("\"") && eTag.endsWith("\"")
                ? eTag.substring(1, eTag.length() - 1)
                : eTag;
    }
}
