package io.shadowcast.rollout;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Paces requests to a rate per second. Callers reserve a token and wait (on a timer) until it is
 * theirs, so concurrent callers queue up in order instead of spinning; the bucket may go into debt by
 * as many tokens as there are waiting callers. Holds at most {@link #BURST_SECONDS} of rate as a burst, small
 * on purpose: the account quota on the other side is a token bucket too, and a large client burst
 * would be answered with throttling. The writes come a page (250) or several pages at a time; with a
 * burst of 50 ms of a rate above the quota (a {@code max-rate} not yet cut down to it), a page left at once
 * and pages that came together met the account's bucket as one burst, though the writes were fewer than
 * the quota on average. A burst of 5 ms spreads them at the rate and costs no throughput: writes that
 * come slower than the rate on average all leave, only spread over the milliseconds the rate gives them.
 *
 * <p>A reserved slot may pass while the process stands still (a collection, its core busy with other
 * work): every request whose slot passed would then leave at once, a burst the process never meant and
 * the quota answers with throttling. So the bucket also keeps the departures to the rate: a request
 * about to leave calls {@link #depart()}, which lets it go while the departures are at most
 * {@link #DEPARTURE_TOLERANCE_SECONDS} ahead of the rate (timers due together fire together), and
 * otherwise gives it a new slot behind the ones reserved (its old slot is lost, as the quota's own
 * refill while nothing arrived is).
 */
public final class TokenBucket {

    static final double BURST_SECONDS = 0.005;
    static final double DEPARTURE_TOLERANCE_SECONDS = 0.05;
    static final long USE_WINDOW_NANOS = 500_000_000L;
    private static final double NANOS_PER_SECOND = 1e9;

    private final LongSupplier nanoClock;
    private double rate;
    private double capacity;
    private double tokens;
    private long refilledAt;
    /** Departures of the current use window, and the share of the rate the last full window used. */
    private long useWindowStart;
    private long departedInWindow;
    private double lastWindowUse;
    /** When the departures so far would all have left at the rate: at most the departure tolerance ahead of now. */
    private double departuresPaidUntil;

    /** @param nanoClock a monotonic clock in nanoseconds ({@code System::nanoTime} outside tests) */
    public TokenBucket(double ratePerSecond, LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.refilledAt = nanoClock.getAsLong();
        applyRate(ratePerSecond);
        this.tokens = capacity;
        this.departuresPaidUntil = refilledAt;
        this.useWindowStart = refilledAt;
    }

    /** Takes one token and returns how many nanoseconds the caller must wait before it may use it. */
    public synchronized long reserve() {
        refill();
        tokens -= 1;
        return tokens >= 0 ? 0 : (long) Math.ceil(-tokens / rate * NANOS_PER_SECOND);
    }

    /**
     * The share of the rate the departures used in the last full window ({@link #USE_WINDOW_NANOS}): near 1 while
     * the rate is what holds the callers back, well below while something else does (reservations made in
     * bursts, a page at a time, wait for tokens even then).
     */
    public synchronized double recentUse() {
        rollUseWindow(nanoClock.getAsLong());
        return lastWindowUse;
    }

    private void rollUseWindow(long now) {
        long elapsed = now - useWindowStart;
        if (elapsed >= USE_WINDOW_NANOS) {
            lastWindowUse = departedInWindow / (rate * elapsed / NANOS_PER_SECOND);
            useWindowStart = now;
            departedInWindow = 0;
        }
    }

    /**
     * Called as a reserved token is used, just before its request leaves. Returns 0 when it may leave now;
     * otherwise it took a new token and returns how many nanoseconds the caller must wait before calling
     * this again.
     */
    public synchronized long depart() {
        long now = nanoClock.getAsLong();
        double paidUntil = Math.max(departuresPaidUntil, now);
        if (paidUntil - now > DEPARTURE_TOLERANCE_SECONDS * NANOS_PER_SECOND) {
            return reserve();
        }
        departuresPaidUntil = paidUntil + NANOS_PER_SECOND / rate;
        rollUseWindow(now);
        departedInWindow++;
        return 0;
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
