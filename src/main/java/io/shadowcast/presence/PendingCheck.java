package io.shadowcast.presence;

import java.time.Instant;
import java.util.Optional;

/**
 * One pending check of the timer table: verify {@code thingName} at {@code dueAt} for the disconnect
 * that happened at {@code disconnectedAt}. {@code claims} counts how often a poller took it, so a
 * check that keeps failing shows up in logs and {@code GET /checks}.
 */
public record PendingCheck(String thingName, Instant disconnectedAt, Instant dueAt, int shard, CheckSource source,
        Optional<String> reason, Instant createdAt, int claims) {
}
