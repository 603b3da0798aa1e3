package io.shadowcast.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AdaptiveRateTest {

    private static final long MS = 1_000_000L;
    private final AtomicLong clock = new AtomicLong(5_000 * MS);
    private final TokenBucket bucket = new TokenBucket(1000, clock::get);
    private final AdaptiveRate rate = new AdaptiveRate(bucket, 1000, clock::get);

    /** A burst of throttled responses, more than the tolerated share of a window at 1,000/s. */
    private void throttledBurst() {
        for (int i = 0; i < 10; i++) {
            rate.onThrottled();
        }
    }

    @Test
    void throttlingCutsTheRateOncePerCooldown() {
        throttledBurst();
        throttledBurst(); // same burst of responses: one signal
        assertThat(rate.rate()).isEqualTo(800.0);
        assertThat(bucket.rate()).isEqualTo(800.0);

        clock.addAndGet(AdaptiveRate.COOLDOWN_NANOS);
        throttledBurst();
        assertThat(rate.rate()).isEqualTo(640.0, within(1e-9));
    }

    @Test
    void scatteredThrottledResponsesAtTheQuotaDoNotCutTheRate() {
        // a writer paced exactly at the quota sees a throttled answer now and then (requests bunch up
        // on the way); each cut would cost seconds of climbing back
        for (int second = 0; second < 10; second++) {
            for (int i = 0; i < 1000; i++) {
                rate.onSuccess();
                if (i % 250 == 0) {
                    rate.onThrottled(); // 0.4 % of the responses
                }
                clock.addAndGet(MS);
            }
        }
        assertThat(rate.rate()).isEqualTo(1000.0);

        for (int i = 0; i < 100; i++) { // then 10 % of them
            rate.onSuccess();
            if (i % 10 == 0) {
                rate.onThrottled();
            }
            clock.addAndGet(MS);
        }
        assertThat(rate.rate()).as("cut to 800, climbing back since").isBetween(800.0, 810.0);
    }

    @Test
    void neverBelowAHundredthOfTheMaximum() {
        for (int i = 0; i < 100; i++) {
            clock.addAndGet(AdaptiveRate.COOLDOWN_NANOS);
            throttledBurst();
        }
        assertThat(rate.rate()).isEqualTo(10.0);
    }

    @Test
    void successesClimbBackAboutFivePercentOfTheMaximumPerSecondAndNoHigher() {
        throttledBurst(); // 800
        // one second of successes at the current rate
        int successes = (int) rate.rate();
        for (int i = 0; i < successes; i++) {
            rate.onSuccess();
        }
        assertThat(rate.rate()).isBetween(845.0, 851.0);

        for (int i = 0; i < 100_000; i++) {
            rate.onSuccess();
        }
        assertThat(rate.rate()).isEqualTo(1000.0);
        assertThat(bucket.rate()).isEqualTo(1000.0);
    }
}
