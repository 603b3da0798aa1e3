package io.shadowcast.converge;

import static io.restassured.RestAssured.given;
import static io.shadowcast.converge.LedgerFixture.applied;
import static io.shadowcast.converge.LedgerFixture.await;
import static io.shadowcast.converge.LedgerFixture.failed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.shadowcast.aws.QueueUrls;
import io.shadowcast.config.ConvergeConfig;
import io.shadowcast.config.RolloutConfig;
import io.shadowcast.rollout.DeviceLedger;
import io.shadowcast.rollout.DeviceLedger.Convergence;
import io.shadowcast.rollout.RolloutRecord;
import io.shadowcast.rollout.RolloutStatus;
import io.shadowcast.rollout.RolloutStore;
import io.shadowcast.testing.IotSimulator;
import io.shadowcast.testing.SimulatedIot;
import io.shadowcast.testing.UploadedRollouts;
import jakarta.inject.Inject;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * A rollout to 500 simulated devices, of which 480 report the hash, 10 an error and 10 nothing: the
 * rollout's convergence and the paged listings say exactly that once the (shortened) confirm timeout passed.
 * The devices are the test, putting on the report queue what the report rule would.
 */
@QuarkusTest
@TestProfile(ShortConfirm.class)
class ConvergenceFlowTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final int DEVICES = 500;

    @Inject S3Client s3;
    @Inject SqsClient sqs;
    @Inject QueueUrls queueUrls;
    @Inject RolloutConfig rolloutConfig;
    @Inject ConvergeConfig config;
    @Inject RolloutStore rollouts;
    @Inject DeviceLedger ledger;
    @Inject MeterRegistry registry;
    IotSimulator iot;

    private List<String> fleet = List.of();

    @AfterEach
    void removeTheFleet() {
        fleet.forEach(iot::removeThing);
    }

    @Test
    void fiveHundredDevicesAppliedFailedAndSilentAreCountedAndListedExactly() {
        // the simulator's fleet is exactly these devices
        iot.thingNames().forEach(iot::removeThing);
        String prefix = "dev-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        fleet = IntStream.range(0, DEVICES).mapToObj(i -> prefix + String.format("%03d", i)).toList();
        fleet.forEach(iot::addThing);
        List<String> failing = fleet.subList(480, 490);
        List<String> silent = fleet.subList(490, 500);
        double failedBefore = registry.counter("shadowcast.converge.things", "status", "failed").count();
        double timedOutBefore = registry.counter("shadowcast.converge.things", "status", "timed_out").count();

        String key = "converge/" + prefix + "fw.bin";
        byte[] content = new byte[4_000];
        new Random(key.hashCode()).nextBytes(content);
        s3.putObject(r -> r.bucket(rolloutConfig.bucket()).key(key), RequestBody.fromBytes(content));
        String hash = sha256(content);
        String url = "s3://" + rolloutConfig.bucket() + "/" + key;
        String id = UploadedRollouts.awaitIdOf(rollouts, rolloutConfig.bucket(), key, TIMEOUT);
        await("the rollout ended", TIMEOUT, () -> rollouts.get(id).map(r -> r.status().isFinal()).orElse(false));
        RolloutRecord record = rollouts.get(id).orElseThrow();
        assertThat(record.status()).isEqualTo(RolloutStatus.SUCCEEDED);
        assertThat(ledger.convergence(id).written()).isEqualTo(DEVICES);

        List<String> reports = new ArrayList<>();
        fleet.subList(0, 480).forEach(thing -> reports.add(applied(thing, SimulatedIot.SHADOW, url, hash)));
        failing.forEach(thing -> reports.add(failed(thing, SimulatedIot.SHADOW, url, hash, "signature check failed")));
        sendAll(reports);

        await("480 applied, 10 failed, 10 timed out", TIMEOUT,
                () -> ledger.convergence(id).equals(new Convergence(DEVICES, 480, 10, 10)));
        JsonPath rollout = given().get("/rollouts/" + id).then().statusCode(200).extract().jsonPath();
        assertThat(rollout.getString("status")).isEqualTo("SUCCEEDED");
        assertThat(rollout.getLong("convergence.written")).isEqualTo(DEVICES);
        assertThat(rollout.getLong("convergence.applied")).isEqualTo(480);
        assertThat(rollout.getLong("convergence.failed")).isEqualTo(10);
        assertThat(rollout.getLong("convergence.timedOut")).isEqualTo(10);
        assertThat(rollout.getLong("convergence.pending")).isZero();

        assertThat(listAll(id, "failed", 3)).containsExactlyInAnyOrderElementsOf(failing);
        assertThat(listAll(id, "timed_out", 4)).containsExactlyInAnyOrderElementsOf(silent);
        assertThat(listAll(id, "pending", 50)).isEmpty();
        assertThat(listAll(id, "applied", 100)).containsExactlyInAnyOrderElementsOf(fleet.subList(0, 480));
        assertThat(registry.counter("shadowcast.converge.things", "status", "failed").count() - failedBefore)
                .isEqualTo(10);
        assertThat(registry.counter("shadowcast.converge.things", "status", "timed_out").count() - timedOutBefore)
                .isGreaterThanOrEqualTo(10);
    }

    @Test
    void thingsWhoseWriteFailedOrWasSkippedAreNotCountedAsWrittenNorAwaited() {
        iot.thingNames().forEach(iot::removeThing);
        String prefix = "mixed-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        List<String> healthy = IntStream.range(0, 5).mapToObj(i -> prefix + "ok-" + i).toList();
        healthy.forEach(iot::addThing);
        iot.addRejecting(prefix + "rejecting");
        iot.addGhost(prefix + "ghost");
        fleet = new ArrayList<>(healthy);
        fleet.addAll(List.of(prefix + "rejecting", prefix + "ghost"));

        String key = "converge/" + prefix + "fw.bin";
        s3.putObject(r -> r.bucket(rolloutConfig.bucket()).key(key), RequestBody.fromBytes(new byte[] {1, 2, 3}));
        String id = UploadedRollouts.awaitIdOf(rollouts, rolloutConfig.bucket(), key, TIMEOUT);
        await("the rollout ended", TIMEOUT, () -> rollouts.get(id).map(r -> r.status().isFinal()).orElse(false));

        assertThat(rollouts.get(id).orElseThrow().status()).isEqualTo(RolloutStatus.PARTIAL);
        await("the failed and the skipped thing forgotten", TIMEOUT, () -> ledger.convergence(id).written() == 5);
        assertThat(listAll(id, "pending", 10)).containsExactlyInAnyOrderElementsOf(healthy);
    }

    @Test
    void aBadStatusLimitOrCursorIsAJsonErrorNamingTheFieldAndAnUnknownRolloutIsNotFound() {
        String id = LedgerFixture.hashedRollout(rollouts).id();
        given().get("/rollouts/" + id + "/things").then().statusCode(400)
                .body("field", equalTo("status"))
                .body("message", equalTo("status must be one of pending, applied, failed, timed_out, superseded"));
        given().get("/rollouts/" + id + "/things?status=lost").then().statusCode(400).body("field", equalTo("status"));
        given().get("/rollouts/" + id + "/things?status=failed&limit=0").then().statusCode(400).body("field", equalTo("limit"));
        given().get("/rollouts/" + id + "/things?status=failed&cursor=not-a-cursor").then().statusCode(400)
                .body("field", equalTo("cursor"));
        given().get("/rollouts/no-such-rollout/things?status=failed").then().statusCode(404)
                .body("message", equalTo("no rollout no-such-rollout"));
        given().get("/rollouts/" + id + "/things?status=failed").then().statusCode(200)
                .body("things.size()", equalTo(0)).body("next", equalTo(null));
    }

    /** Every page of the listing, following {@code next}; fails on a name listed twice. */
    private static List<String> listAll(String id, String status, int limit) {
        List<String> names = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            var request = given().queryParam("status", status).queryParam("limit", limit);
            if (cursor != null) {
                request.queryParam("cursor", cursor);
            }
            JsonPath page = request.get("/rollouts/" + id + "/things").then().statusCode(200).extract().jsonPath();
            List<String> things = page.getList("things.thing", String.class);
            assertThat(things.size()).isLessThanOrEqualTo(limit);
            names.addAll(things);
            cursor = page.getString("next");
            pages++;
        } while (cursor != null && pages < 1_000);
        assertThat(names).as("no page repeats a name of another").doesNotHaveDuplicates();
        return names;
    }

    private void sendAll(List<String> bodies) {
        String queue = queueUrls.urlOf(config.queue());
        for (int from = 0; from < bodies.size(); from += 10) {
            List<SendMessageBatchRequestEntry> batch = new ArrayList<>();
            for (int i = from; i < Math.min(bodies.size(), from + 10); i++) {
                batch.add(SendMessageBatchRequestEntry.builder().id("r" + i).messageBody(bodies.get(i)).build());
            }
            assertThat(sqs.sendMessageBatch(r -> r.queueUrl(queue).entries(batch)).failed()).isEmpty();
        }
    }

    private static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
