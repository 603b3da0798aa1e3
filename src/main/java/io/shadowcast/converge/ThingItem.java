package io.shadowcast.converge;

import java.time.Instant;

/**
 * One thing as one rollout wrote it, and what its device reported.
 *
 * @param hash      the SHA-256 of the rollout's object, which a device reports once it applied it
 * @param url       the rollout's object, {@code s3://bucket/key}
 * @param writtenAt when it was recorded, just before its shadow write
 * @param at        when it reached its status
 * @param error     what the device reported, when FAILED
 */
public record ThingItem(String thing, String rolloutId, int wave, String hash, String url, ThingStatus status,
        Instant writtenAt, Instant at, String error) {
}
