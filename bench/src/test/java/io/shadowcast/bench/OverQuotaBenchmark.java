package io.shadowcast.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.shadowcast.config.RolloutConfig;
import io.shadowcast.rollout.RolloutStatus;
import io.shadowcast.rollout.RolloutStore;
import io.shadowcast.testing.IotSimulator;
import jakarta.inject.Inject;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The adaptive rate at work: max-rate at twice the account quota. The endpoint throttles, the rate
 * drops and climbs back, the retries bring every shadow to the new hash. Reports the rate and the
 * share of throttled requests; fails only if a shadow is missed.
 */
@QuarkusTest
@TestProfile(OverQuotaProfile.class)
class OverQuotaBenchmark {

    private static final int THINGS = Integer.getInteger("bench.things", 10_000);

    @Inject S3Client s3;
    @Inject RolloutStore store;
    @Inject RolloutConfig config;
    IotSimulator simulator;

    @Test
    void adaptiveRateSettlesBelowTheQuota() throws Exception {
        BenchFleet bench = new BenchFleet(simulator, s3, store, config.bucket());
        int fleet = bench.seed(THINGS);

        BenchFleet.Measured warmUp = bench.rollout(1);
        BenchFleet.Measured measured = bench.rollout(2);

        BenchFleet.report("rollout-over-quota.txt", String.format(Locale.ROOT, """
                Over-quota benchmark: %d things, %d ms per request, account quota %d updates/s, max-rate %.0f
                  shadowcast : %d updated in %.1f s = %.0f updates/s (%.0f%% of the quota); %d of %d requests \
                throttled (%.2f%%), %d throttled retries recorded; status %s; %d of %d shadows hold the new hash
                  (warm-up rollout: %.0f updates/s, %.2f%% throttled)
                """, fleet, RolloutBenchProfile.LATENCY_MS, RolloutBenchProfile.QUOTA, config.maxRate(),
                measured.record().counts().updated(), measured.seconds(), measured.rate(),
                100 * measured.rate() / RolloutBenchProfile.QUOTA, measured.throttled(), measured.requests(),
                100 * measured.throttledShare(), measured.record().counts().throttledRetries(),
                measured.record().status(), measured.hashed(), fleet, warmUp.rate(), 100 * warmUp.throttledShare()));

        assertThat(measured.record().status()).isEqualTo(RolloutStatus.SUCCEEDED);
        assertThat(measured.hashed()).isEqualTo(fleet);
        assertThat(measured.record().counts().throttledRetries()).isEqualTo(measured.throttled());
    }
}
