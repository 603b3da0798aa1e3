package io.shadowcast.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AbortPolicyTest {

    private final AbortPolicy policy = new AbortPolicy(20, 10);

    @Test
    void waitsForTheMinimumNumberOfAttempts() {
        assertThat(policy.check(counts(0, 9))).isEmpty();
    }

    @Test
    void abortsAboveThePercentageWithAReason() {
        assertThat(policy.check(counts(8, 2))).isEmpty(); // exactly 20 %
        assertThat(policy.check(counts(7, 3))).get().asString()
                .contains("3 of 10").contains("30.0%").contains("20.0%");
    }

    @Test
    void skippedThingsCountAsAttemptsNotFailures() {
        assertThat(policy.check(new RolloutCounts(20, 0, 18, 2, 0))).isEmpty();
    }

    @Test
    void hundredPercentNeverAborts() {
        assertThat(new AbortPolicy(100, 1).check(counts(0, 50))).isEmpty();
    }

    private static RolloutCounts counts(long updated, long failed) {
        return new RolloutCounts(updated + failed, updated, 0, failed, 0);
    }
}
