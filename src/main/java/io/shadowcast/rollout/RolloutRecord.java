package io.shadowcast.rollout;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;

/**
 * One rollout as stored in the rollout table and shown by the REST API.
 *
 * @param target       what the targets were, in words; null until the object has been read
 * @param pages        pages of targets fully written (the checkpoint counts)
 * @param failedThings the first failed thing names, at most 100
 * @param targeting    the targets, to resume with; null until the object has been read
 * @param eventTime    when the upload happened (its event's time, or the time of the request)
 * @param sequencer    S3's sequencer of the upload; null for requested uploads and events without one
 * @param supersededBy the rollout of the newer upload that superseded this one, when SUPERSEDED
 * @param checkpoint   token of the first page not yet fully written; null at the start or after the last page
 * @param plan         the waves it runs in ({@link WavePlan#SINGLE} without a plan); null until the object has been read
 * @param wave         the current wave, from 0
 * @param stage        what it does with the current wave
 * @param waveWrittenAt when the current wave's last page was written (the gate's timeout counts from then)
 * @param dueAlert     the alert of a pause on harm, until it is published; null when none is due
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
        Instant eventTime,
        String sequencer,
        String supersededBy,
        @JsonIgnore Targeting targeting,
        @JsonIgnore String checkpoint,
        @JsonIgnore WavePlan plan,
        @JsonIgnore int wave,
        @JsonIgnore WaveStage stage,
        @JsonIgnore Instant waveWrittenAt,
        @JsonIgnore DueAlert dueAlert) {

    /** A harm alert written with its pause and not yet published: the pause's reason and the wave it is about. */
    public record DueAlert(int wave, String reason) {
    }

    /**
     * A staged rollout's waves as the API shows them, numbered from 1; null for a rollout in one wave.
     *
     * @param current the wave being written or watched
     * @param next    the wave it writes next (for a paused rollout: the one a resume continues with); null once
     *                every wave is written
     */
    public record Waves(String plan, int current, int count, WaveStage stage, Integer next) {
    }

    @JsonProperty("waves")
    public Waves waves() {
        if (plan == null || plan.isSingle()) {
            return null;
        }
        Integer next = switch (stage) {
            case WRITING -> wave + 1;
            case WATCHING -> wave + 2;
            case WRITTEN -> null;
        };
        return new Waves(plan.describe(), wave + 1, plan.waveCount(), stage, next);
    }

    public String url() {
        return "s3://" + bucket + "/" + key;
    }

    /** Where the upload stands among the uploads of its slot. */
    public UploadOrder order() {
        // records written before uploads were ordered have no event time: their start is the nearest
        return new UploadOrder(id, eventTime != null ? eventTime : startedAt, url(), sequencer);
    }
}
