package io.shadowcast.rollout;

import java.util.function.LongSupplier;

/**
 * AIMD control of a {@link TokenBucket}: each throttled response cuts the rate by
 * {@link #DECREASE}, at most once per {@link #COOLDOWN_NANOS} (the responses to one burst arrive
 * together and are one signal, not many); each success adds a little, so that the rate climbs back
 * by {@link #CLIMB_PER_SECOND} of the maximum per second of successful traffic. The rate never goes
 * above the configured maximum nor below a hundredth of it.
 */
public final class AdaptiveRate {

    static final double DECREASE = 0.8;
    static final double CLIMB_PER_SECOND = 0.05;
    static final long COOLDOWN_NANOS = 500_000_000L;

    private final TokenBucket bucket;
    private final LongSupplier nanoClock;
    private final double maxRate;
    private final double minRate;
    private double rate;
    private long lastDecrease;
    private boolean decreased;

    public AdaptiveRate(TokenBucket bucket, double maxRate, LongSupplier nanoClock) {
        this.bucket = bucket;
        this.nanoClock = nanoClock;
        this.maxRate = maxRate;
        this.minRate = Math.max(Math.min(1, maxRate), maxRate / 100);
        this.rate = maxRate;
        bucket.setRate(maxRate);
    }

    /** Takes a token and returns how many nanoseconds the caller must wait before using it. */
    public long reserve() {
        return bucket.reserve();
    }

    public synchronized void onThrottled() {
        long now = nanoClock.getAsLong();
        if (decreased && now - lastDecrease < COOLDOWN_NANOS) {
            return;
        }
        decreased = true;
        lastDecrease = now;
        set(Math.max(minRate, rate * DECREASE));
    }

    public synchronized void onSuccess() {
        if (rate < maxRate) {
            // rate successes per second, each adding step / rate: step per second in all
            set(Math.min(maxRate, rate + maxRate * CLIMB_PER_SECOND / rate));
        }
    }

    public synchronized double rate() {
        return rate;
    }

    private void set(double newRate) {
        rate = newRate;
        bucket.setRate(newRate);
    }
}
