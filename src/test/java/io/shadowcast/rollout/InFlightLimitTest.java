package io.shadowcast.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InFlightLimitTest {

    @Test
    void reachesTheRateAt20msAnd150msWithoutTuning() {
        assertThat(settled(4_000, 20)).isBetween(160, 162);
        assertThat(settled(4_000, 150)).isBetween(1_200, 1_202);
        assertThat(settled(500, 150)).isGreaterThanOrEqualTo(75);
    }

    @Test
    void followsTheRateDownWhenThrottlingCutsIt() {
        double[] rate = {4_000};
        InFlightLimit limit = new InFlightLimit(() -> rate[0], 2_000);
        observe(limit, 100);
        int atFullRate = limit.limit();
        rate[0] = 1_000;
        assertThat(limit.limit()).isBetween(atFullRate / 4 - 1, atFullRate / 4 + 1);
    }

    @Test
    void concurrencyIsTheUpperBoundAndAFewWritesAreAlwaysAllowed() {
        assertThat(settledWithMax(4_000, 500, 100)).isEqualTo(100);
        assertThat(settledWithMax(10, 1, 1_000)).isEqualTo(InFlightLimit.MIN);
        assertThat(settledWithMax(10, 1, 2)).isEqualTo(2);
    }

    private static int settled(double rate, long roundTripMillis) {
        return settledWithMax(rate, roundTripMillis, 10_000);
    }

    private static int settledWithMax(double rate, long roundTripMillis, int max) {
        InFlightLimit limit = new InFlightLimit(() -> rate, max);
        observe(limit, roundTripMillis);
        return limit.limit();
    }

    private static void observe(InFlightLimit limit, long roundTripMillis) {
        for (int i = 0; i < 2_000; i++) {
            limit.observed(TimeUnit.MILLISECONDS.toNanos(roundTripMillis));
        }
    }
}
