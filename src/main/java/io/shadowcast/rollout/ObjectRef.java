package io.shadowcast.rollout;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Objects;

/**
 * One S3 object version that a rollout publishes.
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

    /**
     * The rollout id: the same object version always yields the same id, so a redelivered event finds
     * its record. Hashed because keys may hold any character and up to 1,024 bytes; base64url so the
     * id fits a URL path as it is.
     */
    public String rolloutId() {
        String revision = versionId != null ? "v:" + versionId : "e:" + Objects.requireNonNullElse(eTag, "");
        String identity = bucket + '\n' + key + '\n' + revision;
        try {
            byte[] sha = MessageDigest.getInstance("SHA-256").digest(identity.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(sha);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
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
