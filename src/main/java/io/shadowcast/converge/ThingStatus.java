package io.shadowcast.converge;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where one thing stands in one rollout, and the moves between the states (docs/rollout.md,
 * "Convergence"). Every move is one conditional write from the exact state read, and its count follows
 * it exactly once ({@link LedgerStore#move}), so a duplicate or stale report moves nothing and no count
 * is taken twice:
 *
 * <pre>
 *  WRITTEN   --report hash-->        APPLIED
 *  WRITTEN   --report error-->       FAILED
 *  WRITTEN   --confirm timeout-->    TIMED_OUT
 *  WRITTEN   --newer hash reported, or a newer rollout wrote it before the timeout--> SUPERSEDED
 *  SUPERSEDED --late report hash-->  APPLIED   (reports arrive out of order: the device did apply it)
 *  TIMED_OUT --late report hash-->   APPLIED
 *  TIMED_OUT --late report error-->  FAILED
 *  FAILED    --report hash-->        APPLIED   (the device tried again and made it)
 *  APPLIED   stays APPLIED: a later error or a redelivered old report changes nothing
 *  WRITTEN   --write failed-->       NOT_WRITTEN, then deleted (nothing is awaited from it)
 * </pre>
 */
public enum ThingStatus {

    /** Recorded before its shadow write; no report yet. */
    WRITTEN("written"),
    APPLIED("applied"),
    FAILED("failed"),
    TIMED_OUT("timedOut"),
    /** A newer rollout's object replaced this one's on the thing before its device reported this one. */
    SUPERSEDED("superseded"),
    /** Its write did not happen after all: the item goes, and so does its count in {@code written}. */
    NOT_WRITTEN("written");

    /** The counter attribute that counts the things that are (or, for WRITTEN, ever were) in this state. */
    final String counter;

    ThingStatus(String counter) {
        this.counter = counter;
    }

    /** The states a thing may move to this one from. */
    Set<ThingStatus> reachableFrom() {
        return switch (this) {
            case WRITTEN -> EnumSet.noneOf(ThingStatus.class);
            case APPLIED -> EnumSet.of(WRITTEN, TIMED_OUT, FAILED, SUPERSEDED);
            case FAILED -> EnumSet.of(WRITTEN, TIMED_OUT);
            case TIMED_OUT, SUPERSEDED, NOT_WRITTEN -> EnumSet.of(WRITTEN);
        };
    }

    /**
     * What a move from {@code from} to this status adds to the counters: one more in this status, one
     * less in the one it left ({@code written} counts every thing written, so leaving WRITTEN takes
     * nothing from it), and a write that did not happen takes one from {@code written}.
     */
    Map<String, Long> countsFrom(ThingStatus from) {
        if (this == NOT_WRITTEN) {
            return Map.of(counter, -1L);
        }
        return from == WRITTEN ? Map.of(counter, 1L) : Map.of(counter, 1L, from.counter, -1L);
    }

    boolean canMoveTo(ThingStatus to) {
        return to.reachableFrom().contains(this);
    }

    /** The statuses the REST API lists things in. */
    static final List<ThingStatus> LISTED = List.of(WRITTEN, APPLIED, FAILED, TIMED_OUT, SUPERSEDED);

    /** The name in the REST API: {@code applied}, {@code failed}, {@code timed_out}, {@code pending} (WRITTEN). */
    public String apiName() {
        return this == WRITTEN ? "pending" : name().toLowerCase(Locale.ROOT);
    }

    public static Optional<ThingStatus> ofApiName(String name) {
        return LISTED.stream().filter(status -> status.apiName().equals(name)).findFirst();
    }
}
