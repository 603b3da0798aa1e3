package io.shadowcast.rollout;

import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * AIMD control of a {@link TokenBucket}: throttled responses cut the rate by {@link #DECREASE}, at most
 * once per {@link #COOLDOWN_NANOS} (the responses to one burst arrive together and are one signal, not
 * many); each success adds a little, so that the rate climbs back by {@link #CLIMB_PER_SECOND} of the
 * maximum per second of successful traffic. The rate never goes above the configured maximum nor below
 * a hundredth of it.
 *
 * <p>Above the rate of the last cut, successes raise the rate only while it bounds the writers (their
 * departures used {@link #BOUND_BY_RATE} of it over the bucket's last window): a writer held back by something else
 * (pages still being listed) learns nothing about the quota from its successes, and a rate raised on them
 * up to the maximum would meet the quota at full height the moment the pages come quickly. Up to the rate
 * of the last cut they raise it either way: that much was sent before.
 *
 * <p>The first cut starts from what the writes used, when that is below the rate: the responses of the
 * current window per second, once the window is {@link #USE_MEASURED_AFTER_NANOS} old, and no less than
 * {@link #FIRST_CUT_FLOOR} of the rate (a window that began with a rollout may have seen few writes yet).
 * Before it, throttling never met the rate, and a rate above what the writes use holds none of them back,
 * nor does a fifth less of it: a rate still at an over-quota maximum (the writes coming as their pages are
 * ready, at more than the quota and less than the rate) took a cut every cooldown, a second or more of a
 * fifth of the writes throttled, before the cuts reached the writes at all. Later cuts start from the rate,
 * which has been where throttling began: throttling that does not follow the rate (a limit other than the
 * account's, writes waiting out their retries) would compound cuts from ever fewer writes used. The rate a
 * cut starts from is also where the climb stops unless the rate bounds the writes.
 *
 * <p>Throttling is a signal only above {@link #TOLERATED_SHARE} of the responses of the current window
 * (one cooldown long, counted as at least a full window at the current rate): a writer paced exactly at
 * the quota sees a throttled answer now and then, as requests bunch up on the way, and cutting the rate
 * for each would cost seconds of climbing back every time. Those few are retried like any other.
 */
public final class AdaptiveRate {

    private static final Logger LOG = Logger.getLogger(AdaptiveRate.class);

    static final double DECREASE = 0.8;
    static final double CLIMB_PER_SECOND = 0.05;
    static final long COOLDOWN_NANOS = 500_000_000L;
    static final double TOLERATED_SHARE = 0.01;
    /** The share of the rate the writes must use in the last window for the rate to count as what bounds them. */
    static final double BOUND_BY_RATE = 0.9;
    /** How long the window must have run for its responses per second to tell what the writes use. */
    static final long USE_MEASURED_AFTER_NANOS = 100_000_000L;
    /** The first cut starts from what the writes used, but from no less than this share of the rate. */
    static final double FIRST_CUT_FLOOR = 0.5;

    private final TokenBucket bucket;
    private final LongSupplier nanoClock;
    private final double maxRate;
    private final double minRate;
    private double rate;
    /** The rate the last cut was made at: where throttling began, as far as anyone probed. */
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

    /** Called just before a request leaves: 0 to send now, or the wait for a new token (see {@link TokenBucket#depart()}). */
    public long depart() {
        return bucket.depart();
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
        long elapsed = now - windowStart;
        boolean first = !decreased && elapsed >= USE_MEASURED_AFTER_NANOS;
        double used = first ? responses / (elapsed / 1e9) : rate;
        decreased = true;
        lastDecrease = now;
        double before = rate;
        ceiling = Math.min(rate, Math.max(used, FIRST_CUT_FLOOR * rate));
        set(Math.max(minRate, ceiling * DECREASE));
        if (LOG.isDebugEnabled()) {
            LOG.debugf("Shadow update rate cut from %.0f to %.0f/s%s: %d of %d answers in the last %d ms throttled",
                    before, rate, first ? String.format(" (first cut, from the %.0f/s the writes used)", used) : "",
                    throttled, responses, elapsed / 1_000_000);
        }
    }

    public synchronized void onSuccess() {
        count(nanoClock.getAsLong());
        if (rate >= maxRate) {
            return;
        }
        double upTo = bucket.recentUse() >= BOUND_BY_RATE ? maxRate : ceiling;
        if (rate < upTo) {
            // rate successes per second, each adding step / rate: step per second in all
            set(Math.min(upTo, rate + maxRate * CLIMB_PER_SECOND / rate));
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
