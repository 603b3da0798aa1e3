package io.shadowcast.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.shadowcast.testing.AppProcess;
import io.shadowcast.testing.IotSimulator;
import io.shadowcast.testing.MotoServer;
import io.shadowcast.testing.TestClients;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Newest upload wins across replicas: two service JVMs on one queue and table, one IoT endpoint
 * simulator with an account quota. Two versions of one key are uploaded 0.3 s apart; whichever replica
 * takes which, and whichever hashes or writes faster, every thing ends with the second and the first is
 * {@code SUPERSEDED}. A replica killed in the middle of the first never writes it again.
 */
class NewestUploadIT {

    private static final String BUCKET = "shadowcast-artifacts";
    private static final int THINGS = 400;
    private static final Map<String, String> SETTINGS = Map.of(
            "shadowcast.provision.things", "",
            "shadowcast.rollout.max-rate", "80",
            "shadowcast.rollout.concurrency", "8",
            "shadowcast.rollout.lease", "4s",
            "shadowcast.rollout.max-clock-skew", "1s",
            "shadowcast.rollout.write-attempt-timeout", "2s",
            "shadowcast.sqs.visibility-timeout", "4s",
            "http.maxConnections", "32");

    private MotoServer moto;
    private IotSimulator iot;
    private final List<AppProcess> replicas = new ArrayList<>();

    @BeforeEach
    void start() {
        moto = MotoServer.start();
        iot = IotSimulator.start(new IotSimulator.Faults(150, 20, 0, 0), 1);
        IntStream.range(0, THINGS).forEach(i -> iot.addThing(String.format("newest-%04d", i)));
    }

    @AfterEach
    void stop() {
        replicas.forEach(AppProcess::kill);
        iot.close();
        moto.close();
    }

    @Test
    void aLargerFirstVersionThatHashesLongerLosesToTheSecondOnTwoReplicas() throws Exception {
        startReplicas();
        try (TestClients aws = TestClients.of(moto.endpoint())) {
            String key = "firmware/large-first-" + System.nanoTime() + ".bin";
            byte[] v1 = bytes(48 << 20, 1);
            byte[] v2 = bytes(4_096, 2);

            uploadTwoVersionsApart(aws, key, v1, v2);

            assertSecondWon(key, sha256(v1), sha256(v2));
        }
    }

    @Test
    void aFirstVersionWhoseWritesAreThrottledHarderIsStoppedByTheSecondOnTwoReplicas() throws Exception {
        startReplicas();
        try (TestClients aws = TestClients.of(moto.endpoint())) {
            String key = "firmware/throttled-first-" + System.nanoTime() + ".bin";
            byte[] v1 = bytes(4_096, 3);
            byte[] v2 = bytes(4_096, 4);
            iot.throttleUpdatesContaining(sha256(v1), 3);

            uploadTwoVersionsApart(aws, key, v1, v2);

            assertSecondWon(key, sha256(v1), sha256(v2));
        }
    }

    @Test
    void aFirstVersionWhoseReplicaWasKilledNeverWritesAgainAfterTheSecondFinished() throws Exception {
        startReplicas();
        try (TestClients aws = TestClients.of(moto.endpoint())) {
            String key = "firmware/killed-first-" + System.nanoTime() + ".bin";
            byte[] v1 = bytes(4_096, 5);
            byte[] v2 = bytes(4_096, 6);
            iot.countUpdatesContaining(sha256(v1));

            aws.s3().putObject(r -> r.bucket(BUCKET).key(key), RequestBody.fromBytes(v1));
            Fleet.await("v1 to write part of the fleet", Duration.ofSeconds(60), () -> iot.updatesContaining(sha256(v1)) >= 40);
            AppProcess writer = replicas.stream().filter(app -> app.logText().contains(key + " (sha256")).findFirst()
                    .orElseThrow(() -> new AssertionError("no replica runs " + key));
            writer.kill();
            Thread.sleep(200);
            long v1WritesAtTheKill = iot.updatesContaining(sha256(v1));
            assertThat(v1WritesAtTheKill).isLessThan(THINGS);
            AppProcess survivor = replicas.stream().filter(app -> app != writer).findFirst().orElseThrow();

            aws.s3().putObject(r -> r.bucket(BUCKET).key(key), RequestBody.fromBytes(v2));
            List<JsonNode> records = awaitRecords(survivor, key, 2);

            assertThat(records.get(0).path("hash").asText()).isEqualTo(sha256(v2));
            assertThat(records.get(0).path("status").asText()).as("v2 %s", records.get(0)).isEqualTo("SUCCEEDED");
            assertThat(records.get(1).path("status").asText()).as("v1 %s", records.get(1)).isEqualTo("SUPERSEDED");
            assertThat(survivor.logText()).as("v1's message came back to the survivor")
                    .contains(records.get(1).path("id").asText() + " of s3://" + BUCKET + "/" + key + " is older than");
            assertThat(iot.updatesContaining(sha256(v1))).as("v1 writes after the kill").isEqualTo(v1WritesAtTheKill);
            assertThat(thingsNotHolding(sha256(v2))).as("things not holding v2").isEmpty();
        }
    }

    private static void uploadTwoVersionsApart(TestClients aws, String key, byte[] v1, byte[] v2) throws InterruptedException {
        aws.s3().putObject(r -> r.bucket(BUCKET).key(key), RequestBody.fromBytes(v1));
        Thread.sleep(300);
        aws.s3().putObject(r -> r.bucket(BUCKET).key(key), RequestBody.fromBytes(v2));
    }

    private void startReplicas() {
        Map<String, String> settings = new java.util.HashMap<>(SETTINGS);
        settings.put("shadowcast.aws.iot.endpoint-override", iot.endpoint().toString());
        settings.put("shadowcast.aws.iot-data.endpoint-override", iot.endpoint().toString());
        replicas.add(AppProcess.start("newest-a", moto.endpoint(), "256m", settings));
        replicas.add(AppProcess.start("newest-b", moto.endpoint(), "256m", settings));
    }

    /** Both uploads ended, the second SUCCEEDED on every thing, the first SUPERSEDED by it. */
    private void assertSecondWon(String key, String v1, String v2) {
        List<JsonNode> records = awaitRecords(replicas.get(0), key, 2);
        assertThat(records.get(0).path("hash").asText()).isEqualTo(v2);
        assertThat(records.get(0).path("status").asText()).as("v2 %s", records.get(0)).isEqualTo("SUCCEEDED");
        assertThat(records.get(1).path("status").asText()).as("v1 %s", records.get(1)).isEqualTo("SUPERSEDED");
        assertThat(records.get(1).path("supersededBy").asText()).isEqualTo(records.get(0).path("id").asText());
        assertThat(thingsNotHolding(v2)).as("things not holding v2 (v1 is %s)", v1).isEmpty();
    }

    /** Waits until the key has this many rollouts, all ended, and returns them newest first. */
    private static List<JsonNode> awaitRecords(AppProcess app, String key, int count) {
        List<JsonNode> items = new ArrayList<>();
        Fleet.await(count + " ended rollouts of " + key, Duration.ofSeconds(80), Duration.ofMillis(500), () -> {
            items.clear();
            Fleet.get(app, "/rollouts?key=" + URLEncoder.encode(key, StandardCharsets.UTF_8)).path("items").forEach(items::add);
            return items.size() == count && items.stream().noneMatch(item -> "RUNNING".equals(item.path("status").asText()));
        });
        return items;
    }

    private List<String> thingsNotHolding(String sha256) {
        return iot.thingNames().stream().filter(thing -> !iot.shadow(thing, null)
                .map(shadow -> sha256.equals(shadow.path("state").path("desired").path("s3").path("hash").asText()))
                .orElse(false)).toList();
    }

    private static byte[] bytes(int size, long seed) {
        byte[] content = new byte[size];
        new Random(seed ^ System.nanoTime()).nextBytes(content);
        return content;
    }

    private static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
