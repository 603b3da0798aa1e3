package io.shadowcast.rollout;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shadowcast.config.RolloutConfig;

/**
 * The shadow document a rollout writes:
 * {@code {"state":{"desired":{"s3":{"url":"s3://bucket/key","hash":"<sha256>", ...}}}}}, with the
 * optional fields the configuration asks for. AWS rejects shadow documents above 8 KB, so a payload
 * above that fails the rollout before any thing is written.
 */
public final class ShadowPayload {

    /** The AWS IoT limit for a shadow document (UpdateThingShadow request payload). */
    public static final int MAX_BYTES = 8 * 1024;

    private final ObjectMapper json;
    private final RolloutConfig.Payload options;

    public ShadowPayload(ObjectMapper json, RolloutConfig.Payload options) {
        this.json = json;
        this.options = options;
    }

    /** @param presignedUrl a presigned HTTPS GET URL, or null */
    public byte[] build(ObjectRef object, ObjectDigest.Digest digest, String presignedUrl) {
        ObjectNode document = json.createObjectNode();
        ObjectNode s3 = document.putObject("state").putObject("desired").putObject("s3");
        s3.put("url", object.url());
        s3.put("hash", digest.sha256());
        // the document is the whole truth: a field this upload does not set is written as null, which
        // deletes it, so that no value of an older upload survives next to the new hash
        s3.put("size", options.includeSize() ? digest.size() : null);
        s3.put("versionId", options.includeVersionId() ? digest.versionId() : null);
        s3.put("etag", options.includeEtag() ? digest.eTag() : null);
        s3.put("httpsUrl", presignedUrl);
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(document);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings and numbers always serialises", e);
        }
        if (bytes.length > MAX_BYTES) {
            throw new RolloutFailedException("the shadow document for " + object.url() + " would be " + bytes.length
                    + " bytes, above the 8 KB (" + MAX_BYTES + " bytes) shadow limit; use a shorter key or fewer payload fields");
        }
        return bytes;
    }
}
