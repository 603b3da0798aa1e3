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

    @Test
    void throttlingCutsTheRateOncePerCooldown() {
        rate.onThrottled();
        rate.onThrottled(); // same burst of responses: one signal
        assertThat(rate.rate()).isEqualTo(800.0);
        assertThat(bucket.rate()).isEqualTo(800.0);

        clock.addAndGet(AdaptiveRate.COOLDOWN_NANOS);
        rate.onThrottled();
        assertThat(rate.rate()).isEqualTo(640.0, within(1e-9));
    }

    @Test
    void neverBelowAHundredthOfTheMaximum() {
        for (int i = 0; i < 100; i++) {
            clock.addAndGet(AdaptiveRate.COOLDOWN_NANOS);
            rate.onThrottled();
        }
        assertThat(rate.rate()).isEqualTo(10.0);
    }

    @Test
    void successesClimbBackAboutFivePercentOfTheMaximumPerSecondAndNoHigher() {
        rate.onThrottled(); // 800
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
