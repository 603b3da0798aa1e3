package io.shadowcast.rollout;

import java.util.function.DoubleSupplier;

/**
 * How many shadow writes the fan-out keeps in flight, by Little's law: in flight = rate × round trip.
 * The round trip is a moving average of the writes' observed attempt times; the limit adds
 * {@link #HEADROOM} on top (writes waiting for a token of the rate also hold a place) and never goes
 * above {@code concurrency}, so that the configured rate is reached at 20 ms and at 150 ms alike
 * without anyone computing a concurrency.
 */
final class InFlightLimit {

    static final double HEADROOM = 2.0;
    static final int MIN = 8;
    /** Assumed until the first responses arrive: a slow region, so the first writes are not held back. */
    static final double INITIAL_ROUND_TRIP_SECONDS = 0.15;
    /** Weight of each new round trip in the average: about the last hundred writes count. */
    static final double WEIGHT = 0.01;

    private final DoubleSupplier rate;
    private final int max;
    private double roundTripSeconds = INITIAL_ROUND_TRIP_SECONDS;

    /** @param rate the updates per second currently allowed; @param max the configured {@code concurrency} */
    InFlightLimit(DoubleSupplier rate, int max) {
        this.rate = rate;
        this.max = max;
    }

    synchronized void observed(long roundTripNanos) {
        roundTripSeconds += WEIGHT * (roundTripNanos / 1e9 - roundTripSeconds);
    }

    synchronized double roundTripSeconds() {
        return roundTripSeconds;
    }

    int limit() {
        double wanted = Math.ceil(rate.getAsDouble() * roundTripSeconds() * HEADROOM);
        return (int) Math.min(max, Math.max(Math.min(MIN, max), wanted));
    }
}
