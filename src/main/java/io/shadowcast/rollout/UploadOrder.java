package io.shadowcast.rollout;

import java.time.Instant;
import java.util.Locale;

/**
 * The order of uploads that write the same slot, as S3 defines it: uploads of one key by their
 * {@code sequencer}, uploads of different keys (or without a sequencer) by {@code eventTime}. Equal
 * times are broken by the rollout id, so that every replica ranks any two uploads the same way.
 *
 * @param object    {@code s3://bucket/key}
 * @param sequencer S3's sequencer, or null when the event had none
 */
public record UploadOrder(String rolloutId, Instant eventTime, String object, String sequencer) {

    /** Sequencers are hexadecimal strings of varying length: compared after left-padding with zeros. */
    private static final int SEQUENCER_WIDTH = 64;

    public boolean isNewerThan(UploadOrder other) {
        if (rolloutId.equals(other.rolloutId)) {
            return false;
        }
        if (object.equals(other.object) && sequencer != null && other.sequencer != null) {
            int bySequencer = padded(sequencer).compareTo(padded(other.sequencer));
            if (bySequencer != 0) {
                return bySequencer > 0;
            }
        }
        int byTime = eventTime.compareTo(other.eventTime);
        return byTime != 0 ? byTime > 0 : rolloutId.compareTo(other.rolloutId) > 0;
    }

    static String padded(String sequencer) {
        String upper = sequencer.toUpperCase(Locale.ROOT);
        return upper.length() >= SEQUENCER_WIDTH ? upper : "0".repeat(SEQUENCER_WIDTH - upper.length()) + upper;
    }
}
