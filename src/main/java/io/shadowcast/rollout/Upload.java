package io.shadowcast.rollout;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;

/**
 * One upload, as its event tells it: the object, when S3 stored it ({@code eventTime}) and S3's order
 * among the uploads of the same key ({@code sequencer}). A rollout is one upload, not one set of bytes:
 * uploading the bytes of an earlier version again is a new upload, and that is how a fleet is rolled back.
 *
 * @param sequencer  S3's {@code sequencer}; null when the event has none (emulators, {@code POST /rollouts})
 * @param requestId  set only for an upload requested through {@code POST /rollouts}, which counts as an
 *                   upload at the time of the request
 * @param plan       the wave plan a request asked for, under the names of the object metadata
 *                   ({@link WavePlanRule}); empty for S3's uploads
 */
public record Upload(ObjectRef object, Instant eventTime, String sequencer, String requestId, Map<String, String> plan) {

    public Upload {
        Objects.requireNonNull(object, "object");
        Objects.requireNonNull(eventTime, "eventTime");
        sequencer = sequencer == null || sequencer.isBlank() ? null : sequencer;
        plan = Map.copyOf(plan);
    }

    public Upload(ObjectRef object, Instant eventTime, String sequencer, String requestId) {
        this(object, eventTime, sequencer, requestId, Map.of());
    }

    /** An upload S3 reported. */
    public static Upload fromS3(ObjectRef object, Instant eventTime, String sequencer) {
        return new Upload(object, eventTime, sequencer, null);
    }

    /**
     * The rollout id. The same event always yields the same id, so an SQS duplicate or redelivery finds
     * its record; two uploads never share one. In order of preference: the request of {@code POST
     * /rollouts}; the object version; S3's sequencer (unversioned bucket); the event time with the ETag
     * (events of emulators, which carry neither). Hashed because keys may hold any character and up to
     * 1,024 bytes; base64url so the id fits a URL path as it is.
     */
    public String rolloutId() {
        String revision;
        if (requestId != null) {
            revision = "r:" + requestId;
        } else if (object.versionId() != null) {
            revision = "v:" + object.versionId();
        } else if (sequencer != null) {
            revision = "s:" + sequencer;
        } else {
            revision = "t:" + eventTime + "|e:" + Objects.requireNonNullElse(object.eTag(), "");
        }
        String identity = object.bucket() + '\n' + object.key() + '\n' + revision;
        try {
            byte[] sha = MessageDigest.getInstance("SHA-256").digest(identity.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(sha);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }

    /** Where this upload stands among the uploads of its slot. */
    public UploadOrder order() {
        // a sequencer orders S3's events of one key; the one of a request is only an identity
        return new UploadOrder(rolloutId(), eventTime, object.url(), requestId == null ? sequencer : null);
    }
}
