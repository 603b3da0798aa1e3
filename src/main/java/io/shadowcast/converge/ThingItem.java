package io.shadowcast.converge;

import java.time.Instant;

/**
 * One thing as one rollout wrote it, and what its device reported.
 *
 * @param hash      the SHA-256 of the rollout's object, which a device reports once it applied it; null
 *                  until taken from the rollout record ({@link #withObject})
 * @param url       the rollout's object, {@code s3://bucket/key}; null like {@code hash}
 * @param writtenAt when it was recorded, just before its shadow write
 * @param at        when it reached its status
 * @param error     what the device reported, when FAILED
 * @param page      the recording of the page it came with, whose count in {@code written} follows it
 * @param counting  a move whose count has not been taken yet (see {@link LedgerStore#move}); null mostly
 */
public record ThingItem(String thing, String rolloutId, int wave, String hash, String url, ThingStatus status,
        Instant writtenAt, Instant at, String error, String page, Counting counting) {

    /** This item with the object of its rollout, which a device's report names. */
    public ThingItem withObject(String hash, String url) {
        return new ThingItem(thing, rolloutId, wave, hash, url, status, writtenAt, at, error, page, counting);
    }

    /** A move of this thing whose count is being taken. */
    public record Counting(ThingStatus from, ThingStatus to, String token) {
    }
}
