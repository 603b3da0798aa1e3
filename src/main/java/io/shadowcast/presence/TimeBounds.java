package io.shadowcast.presence;

import io.shadowcast.config.PresenceConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The sane window for an event time: not later than now plus {@code max-clock-skew} (AWS stamps lifecycle
 * events only to about ±2 minutes), not older than {@code retention} (the table would have forgotten the
 * connects that could make it harmless). A time outside is refused, never stored: a disconnect "in the
 * year 56,000" would never come due and would make every real disconnect of the thing look older.
 */
public final class TimeBounds {

    /** Times after this (2286-11-20 in epoch seconds) are taken for milliseconds in the hint. */
    private static final long LOOKS_LIKE_MILLIS = 9_999_999_999L;

    private final Clock clock;
    private final Duration skew;
    private final Duration retention;

    public TimeBounds(Clock clock, Duration skew, Duration retention) {
        this.clock = clock;
        this.skew = skew;
        this.retention = retention;
    }

    static TimeBounds of(PresenceConfig config, Clock clock) {
        return new TimeBounds(clock, config.maxClockSkew(), config.retention());
    }

    /** Why {@code at} is refused, or empty when it is within bounds. {@code epochSeconds} is the raw value when it came as a number of seconds. */
    public Optional<String> problem(Instant at, Optional<Long> epochSeconds) {
        Instant now = clock.instant();
        if (at.isAfter(now.plus(skew))) {
            String hint = epochSeconds.filter(s -> s > LOOKS_LIKE_MILLIS)
                    .map(s -> " (" + s + " looks like epoch milliseconds; epoch seconds are expected)").orElse("");
            return Optional.of("is in the future: " + describe(at, epochSeconds) + " is more than " + skew
                    + " after now (" + now + ")" + hint);
        }
        if (at.isBefore(now.minus(retention))) {
            return Optional.of("is older than the retention " + retention + ": " + describe(at, epochSeconds));
        }
        return Optional.empty();
    }

    private static String describe(Instant at, Optional<Long> epochSeconds) {
        return epochSeconds.map(Object::toString).orElseGet(at::toString);
    }
}
