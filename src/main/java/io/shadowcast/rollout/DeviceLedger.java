package io.shadowcast.rollout;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.shadowcast.concurrent.Failures;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;

/**
 * The things a rollout writes and what their devices reported back (docs/rollout.md, "Device reports").
 *
 * <p>The rollout records the things of a page before their shadow writes, so that a device's report always
 * finds its thing; waves and the harm watch ask how far a wave got and when a thing was written. The
 * convergence feature implements it and consumes the device reports; the rollout package depends only on
 * this interface.
 */
public interface DeviceLedger {

    /**
     * Records the things of one page of a rollout's wave before their shadow writes. Idempotent: recording a
     * thing again (a page repeated after a resume) keeps what its device already reported, and a thing the
     * page names twice is recorded once. Returns once the things are recorded, so that their writes may
     * start; the stage completes once they are counted in {@code written} as well (which the page's
     * checkpoint waits for), and fails when that failed.
     */
    default CompletionStage<Void> willWrite(String rolloutId, int wave, List<String> things) {
        return willWrite(rolloutId, wave, things, thing -> true);
    }

    /**
     * {@link #willWrite}, looking up only the things that {@code mayBeRecorded} names (asked once for each);
     * the others the caller knows were never recorded for the rollout ({@link RecordedBefore}), and they
     * are recorded without a read.
     */
    CompletionStage<Void> willWrite(String rolloutId, int wave, List<String> things, Predicate<String> mayBeRecorded);

    /** {@link #willWrite}, returning once the things are counted too. */
    default void willWriteCounted(String rolloutId, int wave, List<String> things) {
        try {
            willWrite(rolloutId, wave, things).toCompletableFuture().join();
        } catch (CompletionException e) {
            throw Failures.unchecked(e);
        }
    }

    /** A recorded thing whose write did not happen after all (failed for good, or gone): nothing is awaited from it. */
    void notWritten(String rolloutId, String thing);

    /** What the devices of one wave of the rollout reported so far. */
    Convergence convergence(String rolloutId, int wave);

    /** What the devices of the whole rollout (every wave) reported so far. */
    Convergence convergence(String rolloutId);

    /** The wave in which this rollout wrote the thing, and when, if it did. */
    Optional<Written> written(String rolloutId, String thing);

    /** @param at when the thing was recorded, just before its shadow write */
    record Written(int wave, Instant at) {
    }

    /**
     * Device outcomes of the things written.
     *
     * @param written  things whose shadow was written
     * @param applied  devices that reported the rollout's hash
     * @param failed   devices that reported an error for the rollout's object
     * @param timedOut devices that reported nothing within the confirm timeout after their write
     * @param superseded devices that reported a newer rollout's hash, or were written by a newer rollout before
     *                   their confirm timeout, without reporting this one's: this rollout no longer waits for them
     */
    record Convergence(long written, long applied, long failed, long timedOut, long superseded) {

        public static final Convergence NONE = new Convergence(0, 0, 0, 0, 0);

        /** Counts of a rollout none of whose things was superseded. */
        public Convergence(long written, long applied, long failed, long timedOut) {
            this(written, applied, failed, timedOut, 0);
        }

        /** Written things still within their confirm timeout, without a report. */
        @JsonProperty
        public long pending() {
            return Math.max(0, written - applied - failed - timedOut - superseded);
        }
    }
}
