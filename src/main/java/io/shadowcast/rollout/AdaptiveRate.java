package io.shadowcast.rollout;

import java.util.function.LongSupplier;

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
 * <p>Throttling is a signal only above {@link #TOLERATED_SHARE} of the responses of the current window
 * (one cooldown long, counted as at least a full window at the current rate): a writer paced exactly at
 * the quota sees a throttled answer now and then, as requests bunch up on the way, and cutting the rate
 * for each would cost seconds of climbing back every time. Those few are retried like any other.
 *
 * <p>A cut by a fifth is a guess; the answers after it tell how far off it was. The requests that left in the
 * {@link #SAMPLE_NANOS} after the one whose throttled answer caused the cut are a sample: what the account
 * accepted of them, per second of their departures, is its quota as it stands for this writer, whatever the
 * writer sent (the ones leaving before the cut took hold count as much as those after). Once a later
 * request's answer shows the sample complete, a sample of at least {@link #SAMPLE_ANSWERS} answers whose
 * departures spread over half its time or more (a writer that kept sending, not one burst) and throttled
 * beyond {@link #SIGNIFICANT_SHARE} (the writer sent well above what was accepted) sets the rate to
 * {@link #BELOW_ACCEPTED} of the accepted rate, if that is lower than the cut left it, and never below
 * {@link #SAMPLE_FLOOR} of the rate the cut was made at: a sample judged wrong costs no more than that. A writer meeting the quota from far above (the first contact, the
 * rate still at a maximum twice the quota) thus comes down in one round trip and a sample instead of a cut
 * every cooldown; a throttled burst from a stall (departures at the quota before and after) judges the
 * accepted rate near the rate and changes nothing; the sample never raises the rate.
 */
public final class AdaptiveRate {

    static final double DECREASE = 0.8;
    static final double CLIMB_PER_SECOND = 0.05;
    static final long COOLDOWN_NANOS = 500_000_000L;
    static final double TOLERATED_SHARE = 0.01;
    /** The share of the rate the writes must use in the last window for the rate to count as what bounds them. */
    static final double BOUND_BY_RATE = 0.9;
    /** The departures after a cut's throttled answer whose answers judge it, and the fewest answers that may. */
    static final long SAMPLE_NANOS = 25_000_000L;
    static final int SAMPLE_ANSWERS = 50;
    /** How much later a departure's answer must be to tell that the sample's answers are in (they come about in order). */
    static final long SAMPLE_COMPLETE_AFTER_NANOS = 10_000_000L;
    static final double SIGNIFICANT_SHARE = 0.1;
    static final double BELOW_ACCEPTED = 0.95;
    static final double SAMPLE_FLOOR = 0.5;

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
    /** The sample after the last cut, while it is being collected: departures in [sampleFrom, sampleUntil). */
    private boolean sampling;
    private long sampleFrom;
    private long sampleUntil;
    private long sampleAnswers;
    private long sampleAccepted;
    private long sampleFirstDeparture;
    private long sampleLastDeparture;
    /** The rate the cut being judged was made at. */
    private double cutFrom;

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

    /** A throttled answer to a request that left at {@code departedAt} (same clock). */
    public synchronized void onThrottled(long departedAt) {
        long now = nanoClock.getAsLong();
        count(now);
        throttled++;
        sample(departedAt, false);
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
        startSample(departedAt);
        set(Math.max(minRate, rate * DECREASE));
    }

    /** An accepted answer to a request that left at {@code departedAt} (same clock). */
    public synchronized void onSuccess(long departedAt) {
        count(nanoClock.getAsLong());
        sample(departedAt, true);
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

    private void startSample(long from) {
        sampling = true;
        sampleFrom = from;
        sampleUntil = from + Math.max(SAMPLE_NANOS, (long) (SAMPLE_ANSWERS / rate * 1e9));
        sampleAnswers = 0;
        sampleAccepted = 0;
        sampleFirstDeparture = Long.MAX_VALUE;
        sampleLastDeparture = Long.MIN_VALUE;
        cutFrom = rate;
    }

    private void sample(long departedAt, boolean accepted) {
        if (!sampling) {
            return;
        }
        if (departedAt >= sampleUntil + SAMPLE_COMPLETE_AFTER_NANOS) {
            sampling = false;
            judgeCut();
        } else if (departedAt >= sampleFrom && departedAt < sampleUntil) {
            sampleAnswers++;
            sampleAccepted += accepted ? 1 : 0;
            sampleFirstDeparture = Math.min(sampleFirstDeparture, departedAt);
            sampleLastDeparture = Math.max(sampleLastDeparture, departedAt);
        }
    }

    /** Lowers the rate to just below what the account accepted of the sample, if it was throttled well above that. */
    private void judgeCut() {
        long span = sampleUntil - sampleFrom;
        if (sampleAnswers < SAMPLE_ANSWERS || sampleLastDeparture - sampleFirstDeparture < span / 2
                || sampleAnswers - sampleAccepted <= SIGNIFICANT_SHARE * sampleAnswers) {
            return;
        }
        double judged = Math.max(BELOW_ACCEPTED * sampleAccepted / (span / 1e9), SAMPLE_FLOOR * cutFrom);
        if (judged < rate) {
            set(Math.max(minRate, judged));
        }
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
