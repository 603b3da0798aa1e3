package io.shadowcast.presence;

import java.time.Instant;
import java.util.Optional;

/**
 * One pending check of the timer table: verify {@code thingName} at {@code dueAt} for the disconnect
 * that happened at {@code disconnectedAt}. {@code claims} counts how often a poller took it (each claim
 * is one attempt), so a check that keeps failing shows up in logs and {@code GET /checks}.
 * {@code alert} is set once a poller decided to alert and began publishing ({@link AlertProtocol}).
 */
public record PendingCheck(String thingName, Instant disconnectedAt, Instant dueAt, int shard, CheckSource source,
        Optional<String> reason, Instant createdAt, int claims, Status status, Optional<Publishing> alert) {

    public enum Status {
        /** Waiting for its due time, or claimed and being verified. */
        PENDING,
        /** An alert for it is being published ({@link #alert()} says by whom). */
        PUBLISHING,
        /** Given up after {@code max-attempts} failed verifications; kept for {@code retention} to be seen. */
        FAILED
    }

    /** The alert in flight: which replica's claim began it, until when that claim holds, and why it alerts. */
    public record Publishing(String owner, int claim, Instant deadline, Verdict.Reason reason) {
    }

    /** A check as a new disconnect schedules it. */
    public PendingCheck(String thingName, Instant disconnectedAt, Instant dueAt, int shard, CheckSource source,
            Optional<String> reason, Instant createdAt, int claims) {
        this(thingName, disconnectedAt, dueAt, shard, source, reason, createdAt, claims,
                Status.PENDING, Optional.empty());
    }
}
