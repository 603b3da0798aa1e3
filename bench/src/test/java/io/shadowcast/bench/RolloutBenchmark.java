package io.shadowcast.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.shadowcast.config.RolloutConfig;
import io.shadowcast.rollout.RolloutRecord;
import io.shadowcast.rollout.RolloutStatus;
import io.shadowcast.rollout.RolloutStore;
import io.shadowcast.testing.IotSimulator;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.ListThingsResponse;
import software.amazon.awssdk.services.iot.model.ThingAttribute;
import software.amazon.awssdk.services.iotdataplane.IotDataPlaneClient;
import software.amazon.awssdk.services.iotdataplane.model.ThrottlingException;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Rollout throughput against a quota-limited IoT endpoint: shadowcast's paced concurrent fan-out
 * versus the plain algorithm (list every thing, then one UpdateThingShadow after the other, two
 * attempts a second apart on throttling), timed in the same run against the same endpoint.
 *
 * <p>Run with {@code ./mvnw -B -Pbench verify}; results are printed and written to
 * {@code target/bench/rollout.txt}. Fleet sizes: {@code -Dbench.things} (default 10,000) and
 * {@code -Dbench.sequential-things} (default 1,000: the plain algorithm runs at about 1 / latency,
 * so its rate is measured on a sample).
 */
@QuarkusTest
@TestProfile(RolloutBenchProfile.class)
class RolloutBenchmark {

    private static final int THINGS = Integer.getInteger("bench.things", 10_000);
    private static final int SEQUENTIAL_THINGS = Integer.getInteger("bench.sequential-things", 1_000);

    @Inject S3Client s3;
    @Inject IotClient iot;
    @Inject IotDataPlaneClient iotData;
    @Inject RolloutStore store;
    @Inject RolloutConfig config;
    IotSimulator simulator;

    @Test
    void shadowcastAgainstThePlainSequentialAlgorithm() throws Exception {
        BenchFleet bench = new BenchFleet(simulator, s3, store, config.bucket());
        int fleet = bench.seed(THINGS);

        // a long-running service is warm: the first rollout lets the JIT compile the request path
        BenchFleet.Measured warmUp = bench.rollout(1);
        BenchFleet.Measured measured = bench.rollout(2);
        RolloutRecord record = measured.record();

        simulator.resetCounters();
        Sequential plain = plainSequential(record.key(), "0".repeat(64));

        BenchFleet.report("rollout.txt", String.format(Locale.ROOT, """
                Rollout benchmark: %d things, %d ms per request, account quota %d updates/s (HTTP 429 above it)
                  shadowcast : %d updated in %.1f s = %.0f updates/s (%.0f%% of the quota); %d of %d requests \
                throttled (%.2f%%), %d throttled retries recorded; status %s; %d of %d shadows hold the new hash
                  plain loop : %d updated in %.1f s = %.1f updates/s (listed %d things first, then one update at a time)
                  ratio      : %.1fx
                  (a first, warm-up rollout of the same fleet ran at %.0f updates/s)
                """, fleet, RolloutBenchProfile.LATENCY_MS, RolloutBenchProfile.QUOTA,
                record.counts().updated(), measured.seconds(), measured.rate(), 100 * measured.rate() / RolloutBenchProfile.QUOTA,
                measured.throttled(), measured.requests(), 100 * measured.throttledShare(),
                record.counts().throttledRetries(), record.status(), measured.hashed(), fleet,
                plain.updated(), plain.seconds(), plain.rate(), plain.listed(), measured.rate() / plain.rate(),
                warmUp.rate()));

        assertThat(record.status()).isEqualTo(RolloutStatus.SUCCEEDED);
        assertThat(measured.hashed()).isEqualTo(fleet);
        assertThat(measured.rate()).as("updates per second").isGreaterThanOrEqualTo(0.9 * RolloutBenchProfile.QUOTA);
        assertThat(measured.throttledShare()).as("share of throttled requests").isLessThan(0.05);
    }

    private record Sequential(int listed, int updated, double seconds) {

        double rate() {
            return updated / seconds;
        }
    }

    /** The plain algorithm: every thing listed first, then one update after the other. */
    private Sequential plainSequential(String key, String hash) throws InterruptedException {
        long started = System.nanoTime();
        List<String> things = new ArrayList<>();
        String token = null;
        do {
            String next = token;
            ListThingsResponse page = iot.listThings(r -> r.nextToken(next));
            page.things().stream().map(ThingAttribute::thingName).forEach(things::add);
            token = page.nextToken();
        } while (token != null && things.size() < SEQUENTIAL_THINGS);
        SdkBytes payload = SdkBytes.fromUtf8String(String.format(
                "{\"state\":{\"desired\":{\"s3\":{\"url\":\"s3://%s/%s\",\"hash\":\"%s\"}}}}", config.bucket(), key, hash));
        int updated = 0;
        for (String thing : things.subList(0, Math.min(SEQUENTIAL_THINGS, things.size()))) {
            for (int attempt = 1; attempt <= 2; attempt++) {
                try {
                    iotData.updateThingShadow(r -> r.thingName(thing).payload(payload));
                    updated++;
                    break;
                } catch (ThrottlingException e) {
                    Thread.sleep(1_000);
                }
            }
        }
        return new Sequential(things.size(), updated, (System.nanoTime() - started) / 1e9);
    }
}
