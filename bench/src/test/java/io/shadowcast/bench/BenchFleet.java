package io.shadowcast.bench;

import io.shadowcast.rollout.RolloutRecord;
import io.shadowcast.rollout.RolloutStore;
import io.shadowcast.testing.IotSimulator;
import io.shadowcast.testing.UploadedRollouts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** A simulated fleet and rollouts over it, as the benchmarks measure them. */
final class BenchFleet {

    private final IotSimulator simulator;
    private final S3Client s3;
    private final RolloutStore store;
    private final String bucket;

    BenchFleet(IotSimulator simulator, S3Client s3, RolloutStore store, String bucket) {
        this.simulator = simulator;
        this.s3 = s3;
        this.store = store;
        this.bucket = bucket;
    }

    /** Adds the things and returns the fleet size (the provisioned demo thing is part of it). */
    int seed(int things) {
        for (int i = 0; i < things; i++) {
            simulator.addThing(String.format(Locale.ROOT, "bench-%05d", i));
        }
        return simulator.thingNames().size();
    }

    /** One rollout as measured: its record and what the endpoint saw. */
    record Measured(RolloutRecord record, String sha256, long throttled, long requests, long hashed) {

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

    /** Uploads a 1 MiB object, waits for its rollout over the whole fleet and counts the shadows holding its hash. */
    Measured rollout(int seed) throws InterruptedException {
        simulator.resetCounters();
        byte[] content = new byte[1 << 20];
        new Random(seed).nextBytes(content);
        String sha256 = sha256(content);
        String key = "bench/" + UUID.randomUUID() + ".bin";
        s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromBytes(content));
        RolloutRecord record = awaitFinal(UploadedRollouts.awaitIdOf(store, bucket, key, Duration.ofMinutes(1)));
        long throttled = simulator.throttled();
        long requests = simulator.updateRequests();
        long hashed = simulator.thingNames().stream()
                .filter(thing -> simulator.shadow(thing, null).map(s -> sha256.equals(
                        s.path("state").path("desired").path("s3").path("hash").asText())).orElse(false))
                .count();
        return new Measured(record, sha256, throttled, requests, hashed);
    }

    static void report(String file, String report) throws IOException {
        System.out.println(report);
        Files.createDirectories(Path.of("target", "bench"));
        Files.writeString(Path.of("target", "bench", file), report);
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

    private static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
