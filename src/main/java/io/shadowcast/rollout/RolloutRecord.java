package io.shadowcast.rollout;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.time.Instant;
import java.util.List;

/**
 * One rollout as stored in the rollout table and shown by the REST API.
 *
 * @param target       what the targets were, in words; null until the object has been read
 * @param pages        pages of targets fully written (the checkpoint counts)
 * @param failedThings the first failed thing names, at most 100
 * @param targeting    the targets, to resume with; null until the object has been read
 * @param checkpoint   token of the first page not yet fully written; null at the start or after the last page
 */
public record RolloutRecord(
        String id,
        RolloutStatus status,
        String reason,
        String bucket,
        String key,
        String versionId,
        String eTag,
        Long size,
        String hash,
        String target,
        RolloutCounts counts,
        List<String> failedThings,
        Instant startedAt,
        Instant endedAt,
        int pages,
        @JsonIgnore Targeting targeting,
        @JsonIgnore String checkpoint) {

    public String url() {
        return "s3://" + bucket + "/" + key;
    }
}
