package io.shadowcast.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.shadowcast.config.RolloutConfig;
import io.shadowcast.rollout.ObjectRef;
import io.shadowcast.rollout.RolloutRecord;
import io.shadowcast.rollout.RolloutStatus;
import io.shadowcast.rollout.RolloutStore;
import io.shadowcast.testing.IotSimulator;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.sync.RequestBody;
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
@TestProfile(BenchProfile.class)
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
        for (int i = 0; i < THINGS; i++) {
            simulator.addThing(String.format(Locale.ROOT, "bench-%05d", i));
        }
        int fleet = simulator.thingNames().size(); // the provisioned demo thing is part of the fleet too

        // a long-running service is warm: the first rollout lets the JIT compile the request path
        Measured warmUp = rollout(1);
        Measured measured = rollout(2);
        RolloutRecord record = measured.record();
        long hashed = simulator.thingNames().stream()
                .filter(thing -> simulator.shadow(thing, null).map(s -> measured.sha256().equals(
                        s.path("state").path("desired").path("s3").path("hash").asText())).orElse(false))
                .count();

        simulator.resetCounters();
        Sequential plain = plainSequential(record.key(), "0".repeat(64));

        String report = String.format(Locale.ROOT, """
                Rollout benchmark: %d things, %d ms per request, account quota %d updates/s (HTTP 429 above it)
                  shadowcast : %d updated in %.1f s = %.0f updates/s (%.0f%% of the quota); %d of %d requests \
                throttled (%.2f%%), %d throttled retries recorded; status %s; %d of %d shadows hold the new hash
                  plain loop : %d updated in %.1f s = %.1f updates/s (listed %d things first, then one update at a time)
                  ratio      : %.1fx
                  (a first, warm-up rollout of the same fleet ran at %.0f updates/s)
                """, fleet, BenchProfile.LATENCY_MS, BenchProfile.QUOTA,
                record.counts().updated(), measured.seconds(), measured.rate(), 100 * measured.rate() / BenchProfile.QUOTA,
                measured.throttled(), measured.requests(), 100 * measured.throttledShare(),
                record.counts().throttledRetries(), record.status(), hashed, fleet,
                plain.updated(), plain.seconds(), plain.rate(), plain.listed(), measured.rate() / plain.rate(),
                warmUp.rate());
        System.out.println(report);
        Files.createDirectories(Path.of("target", "bench"));
        Files.writeString(Path.of("target", "bench", "rollout.txt"), report);

        assertThat(record.status()).isEqualTo(RolloutStatus.SUCCEEDED);
        assertThat(hashed).isEqualTo(fleet);
        assertThat(measured.rate()).as("updates per second").isGreaterThanOrEqualTo(0.9 * BenchProfile.QUOTA);
        assertThat(measured.throttledShare()).as("share of throttled requests").isLessThan(0.05);
    }

    private record Measured(RolloutRecord record, String sha256, long throttled, long requests) {

        double seconds() {
            return Duration.between(record.startedAt(), record.endedAt()).toMillis() / 1000.0;
        }

        double rate() {
            return record.counts().updated() / seconds();
        }

        double throttledShare() {
            return (double) throttled / requests;
        }
    }

    /** Uploads a 1 MiB object and waits for its rollout over the whole simulated fleet. */
    private Measured rollout(int seed) throws Exception {
        simulator.resetCounters();
        byte[] content = new byte[1 << 20];
        new Random(seed).nextBytes(content);
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        String key = "bench/" + UUID.randomUUID() + ".bin";
        var put = s3.putObject(r -> r.bucket(config.bucket()).key(key), RequestBody.fromBytes(content));
        RolloutRecord record = awaitFinal(new ObjectRef(config.bucket(), key, null, put.eTag()).rolloutId());
        return new Measured(record, sha256, simulator.throttled(), simulator.updateRequests());
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

    private RolloutRecord awaitFinal(String id) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (System.nanoTime() < deadline) {
            var record = store.get(id);
            if (record.isPresent() && record.get().status().isFinal()) {
                return record.get();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("rollout " + id + " did not end within 5 minutes");
    }
}
