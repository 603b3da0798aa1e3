package io.shadowcast.rollout;

import java.util.function.LongSupplier;

/**
 * AIMD control of a {@link TokenBucket}: throttled responses cut the rate by {@link #DECREASE}, at most
 * once per {@link #COOLDOWN_NANOS} (the responses to one burst arrive together and are one signal, not
 * many); each success adds a little. Below the rate the last cut was made at (the ceiling) the rate
 * returns by {@link #RETURN_PER_SECOND} of the ceiling per second of successful traffic, back within about
 * a second; above it, it climbs by {@link #CLIMB_PER_SECOND} of the maximum per second, probing slowly
 * for more. A rate paced at the quota is cut now and then by a burst that bunched up on the way (a pause
 * of either side); climbing the whole way back slowly cost seconds of writing at 80 % each time. When the
 * quota really is lower, throttling sets in again on the way back and the ceiling follows it down. The
 * rate never goes above the configured maximum nor below a hundredth of it.
 *
 * <p>Throttling is a signal only above {@link #TOLERATED_SHARE} of the responses of the current window
 * (one cooldown long, counted as at least a full window at the current rate): a writer paced exactly at
 * the quota sees a throttled answer now and then, as requests bunch up on the way, and cutting the rate
 * for each would cost seconds of climbing back every time. Those few are retried like any other.
 */
public final class AdaptiveRate {

    static final double DECREASE = 0.8;
    static final double CLIMB_PER_SECOND = 0.05;
    static final double RETURN_PER_SECOND = 0.2;
    static final long COOLDOWN_NANOS = 500_000_000L;
    static final double TOLERATED_SHARE = 0.01;

    private final TokenBucket bucket;
    private final LongSupplier nanoClock;
    private final double maxRate;
    private final double minRate;
    private double rate;
    private double ceiling;
    private long lastDecrease;
    private boolean decreased;
    private long windowStart;
    private long responses;
    private long throttled;

    public AdaptiveRate(TokenBucket bucket, double maxRate, LongSupplier nanoClock) {
        this.bucket = bucket;
        this.nanoClock = nanoClock;
        this.maxRate = maxRate;
        this.minRate = Math.max(Math.min(1, maxRate), maxRate / 100);
        this.rate = maxRate;
        this.ceiling = maxRate;
        this.windowStart = nanoClock.getAsLong();
        bucket.setRate(maxRate);
    }

    /** Takes a token and returns how many nanoseconds the caller must wait before using it. */
    public long reserve() {
        return bucket.reserve();
    }

    public synchronized void onThrottled() {
        long now = nanoClock.getAsLong();
        count(now);
        throttled++;
        double expected = Math.max(responses, rate * COOLDOWN_NANOS / 1e9);
        if (throttled <= TOLERATED_SHARE * expected) {
            return;
        }
        if (decreased && now - lastDecrease < COOLDOWN_NANOS) {
            return;
        }
        decreased = true;
        lastDecrease = now;
        ceiling = rate;
        set(Math.max(minRate, rate * DECREASE));
    }

    public synchronized void onSuccess() {
        count(nanoClock.getAsLong());
        if (rate < maxRate) {
            // rate successes per second, each adding step / rate: step per second in all
            double next = rate < ceiling ? Math.min(ceiling, rate + ceiling * RETURN_PER_SECOND / rate)
                    : rate + maxRate * CLIMB_PER_SECOND / rate;
            set(Math.min(maxRate, next));
        }
    }

    public synchronized double rate() {
        return rate;
    }

    /** One more response in the current window, which starts afresh every cooldown. */
    private void count(long now) {
        if (now - windowStart >= COOLDOWN_NANOS) {
            windowStart = now;
            responses = 0;
            throttled = 0;
        }
        responses++;
    }

    private void set(double newRate) {
        rate = newRate;
        bucket.setRate(newRate);
    }
}
