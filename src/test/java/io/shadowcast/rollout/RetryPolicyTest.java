package io.shadowcast.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    @Test
    void boundedExponentialBackoffWithJitter() {
        RetryPolicy policy = new RetryPolicy(8, 100, 10_000, 100);
        assertThat(policy.allows(8)).isTrue();
        assertThat(policy.allows(9)).isFalse();
        for (int i = 0; i < 100; i++) {
            assertThat(policy.delayMillis(1)).isBetween(0L, 200L);
            assertThat(policy.delayMillis(4)).isBetween(700L, 900L);
            assertThat(policy.delayMillis(40)).isBetween(9_900L, 10_100L);
        }
    }
}
