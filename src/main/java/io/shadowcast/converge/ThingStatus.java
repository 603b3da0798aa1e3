package io.shadowcast.converge;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Where one thing stands in one rollout, and the moves between the states (docs/rollout.md,
 * "Convergence"). Every move is one conditional write from the exact state read, together with the
 * counter changes, so a duplicate or stale report moves nothing and no count is taken twice:
 *
 * <pre>
 *  WRITTEN   --report hash-->        APPLIED
 *  WRITTEN   --report error-->       FAILED
 *  WRITTEN   --confirm timeout-->    TIMED_OUT
 *  TIMED_OUT --late report hash-->   APPLIED
 *  TIMED_OUT --late report error-->  FAILED
 *  FAILED    --report hash-->        APPLIED   (the device tried again and made it)
 *  APPLIED   stays APPLIED: a later error or a redelivered old report changes nothing
 * </pre>
 */
public enum ThingStatus {

    /** Recorded before its shadow write; no report yet. */
    WRITTEN("written"),
    APPLIED("applied"),
    FAILED("failed"),
    TIMED_OUT("timedOut");

    /** The counter attribute that counts the things that are (or, for WRITTEN, ever were) in this state. */
    final String counter;

    ThingStatus(String counter) {
        this.counter = counter;
    }

    /** The states a thing may move to this one from. */
    Set<ThingStatus> reachableFrom() {
        return switch (this) {
            case WRITTEN -> EnumSet.noneOf(ThingStatus.class);
            case APPLIED -> EnumSet.of(WRITTEN, TIMED_OUT, FAILED);
            case FAILED -> EnumSet.of(WRITTEN, TIMED_OUT);
            case TIMED_OUT -> EnumSet.of(WRITTEN);
        };
    }

    boolean canMoveTo(ThingStatus to) {
        return to.reachableFrom().contains(this);
    }

    /** The name in the REST API: {@code applied}, {@code failed}, {@code timed_out}, {@code pending} (WRITTEN). */
    public String apiName() {
        return this == WRITTEN ? "pending" : name().toLowerCase(Locale.ROOT);
    }

    public static Optional<ThingStatus> ofApiName(String name) {
        for (ThingStatus status : values()) {
            if (status.apiName().equals(name)) {
                return Optional.of(status);
            }
        }
        return Optional.empty();
    }
}
