package io.shadowcast.rollout;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Paces requests to a rate per second. Callers reserve a token and wait (on a timer) until it is
 * theirs, so concurrent callers queue up in order instead of spinning; the bucket may go into debt by
 * as many tokens as there are waiting callers. Holds at most {@link #BURST_SECONDS} of rate as a burst, small
 * on purpose: the account quota on the other side is a token bucket too, and a large client burst
 * would be answered with throttling.
 */
public final class TokenBucket {

    static final double BURST_SECONDS = 0.05;
    private static final double NANOS_PER_SECOND = 1e9;

    private final LongSupplier nanoClock;
    private double rate;
    private double capacity;
    private double tokens;
    private long refilledAt;

    /** @param nanoClock a monotonic clock in nanoseconds ({@code System::nanoTime} outside tests) */
    public TokenBucket(double ratePerSecond, LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.refilledAt = nanoClock.getAsLong();
        applyRate(ratePerSecond);
        this.tokens = capacity;
    }

    /** Takes one token and returns how many nanoseconds the caller must wait before it may use it. */
    public synchronized long reserve() {
        refill();
        tokens -= 1;
        return tokens >= 0 ? 0 : (long) Math.ceil(-tokens / rate * NANOS_PER_SECOND);
    }

    /** Reserves a token and sleeps until it is due; for callers that own their thread (the sweep's reads). */
    public void acquire() throws InterruptedException {
        long wait = reserve();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    public synchronized void setRate(double ratePerSecond) {
        refill();
        applyRate(ratePerSecond);
        tokens = Math.min(tokens, capacity);
    }

    public synchronized double rate() {
        return rate;
    }

    private void applyRate(double ratePerSecond) {
        if (!(ratePerSecond > 0)) {
            throw new IllegalArgumentException("rate must be positive: " + ratePerSecond);
        }
        rate = ratePerSecond;
        capacity = Math.max(1, ratePerSecond * BURST_SECONDS);
    }

    private void refill() {
        long now = nanoClock.getAsLong();
        tokens = Math.min(capacity, tokens + (now - refilledAt) / NANOS_PER_SECOND * rate);
        refilledAt = now;
    }
}
