package io.shadowcast.rollout;

import static io.restassured.RestAssured.given;
import static io.shadowcast.rollout.RolloutFixture.await;
import static io.shadowcast.rollout.RolloutFixture.awaitFinal;
import static io.shadowcast.rollout.RolloutFixture.upload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.shadowcast.aws.QueueUrls;
import io.shadowcast.config.RolloutConfig;
import io.shadowcast.config.SqsConfig;
import io.shadowcast.testing.IotSimulator;
import io.shadowcast.testing.SimulatedIot;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import io.shadowcast.provision.TableProvisioner;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Rollouts against an IoT endpoint that throttles (429 ThrottlingException), fails (5xx), loses
 * things and rejects requests, as AWS does under load.
 */
@QuarkusTest
@TestProfile(SimulatedIot.class)
class RolloutFaultsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Inject MeterRegistry registry;
    @Inject S3Client s3;
    @Inject RolloutStore store;
    @Inject RolloutConfig config;
    @Inject SqsClient sqs;
    @Inject QueueUrls queueUrls;
    @Inject DeviceLedger ledger;
    @Inject SqsConfig sqsConfig;
    @Inject DynamoDbClient dynamo;
    IotSimulator iot;

    private List<String> added = List.of();

    @AfterEach
    void removeAddedThings() {
        added.forEach(iot::removeThing);
        iot.setFaults(new IotSimulator.Faults(0, 0, 5, 13));
    }

    @Test
    void throttledAndFailingUpdatesAreRetriedUntilEveryShadowHasTheHash() {
        added = names("fleet", 60);
        added.forEach(iot::addThing);
        iot.resetCounters();
        double throttledBefore = registry.counter("shadowcast.rollout.throttled.retries").count();

        var uploaded = upload(s3, config.bucket(), "throttled/" + UUID.randomUUID() + ".bin", 20_000, Map.of());
        RolloutRecord record = awaitFinal(store, uploaded, TIMEOUT);

        int things = iot.thingNames().size();
        assertThat(record.status()).isEqualTo(RolloutStatus.SUCCEEDED);
        assertThat(iot.throttled()).isPositive();
        assertThat(iot.serverErrors()).isPositive();
        assertThat(record.counts()).isEqualTo(new RolloutCounts(things, things, 0, 0, iot.throttled()));
        assertThat(registry.counter("shadowcast.rollout.throttled.retries").count() - throttledBefore)
                .isEqualTo(iot.throttled());
        for (String thing : iot.thingNames()) {
            JsonNode s3Field = iot.shadow(thing, SimulatedIot.SHADOW).orElseThrow().path("state").path("desired").path("s3");
            assertThat(s3Field.path("hash").asText()).as(thing).isEqualTo(uploaded.sha256());
            assertThat(s3Field.path("url").asText()).isEqualTo(uploaded.object().url());
            assertThat(s3Field.path("size").asLong()).isEqualTo(20_000);
            assertThat(s3Field.path("versionId").asText()).isEqualTo(uploaded.versionId());
            assertThat(s3Field.path("etag").asText()).isEqualTo(uploaded.object().eTag());
            assertThat(s3Field.path("httpsUrl").asText()).contains(uploaded.object().key())
                    .contains("X-Amz-Signature=").contains("X-Amz-Expires=900");
        }
        assertThat(iot.shadow("shadowcast-demo-1", null).orElseThrow().path("state").path("desired").has("s3"))
                .as("the classic shadow is left alone when a named shadow is configured").isFalse();
    }

    @Test
    void aThrottlingStormThenServerErrorBurstsSlowTheRolloutWhichStillReachesEveryThing() {
        added = names("storm", 40);
        added.forEach(iot::addThing);
        iot.setFaults(new IotSimulator.Faults(0, 0, 1, 0)); // every update throttled
        iot.resetCounters();

        var uploaded = upload(s3, config.bucket(), "storm/" + UUID.randomUUID() + ".bin", 1_000, Map.of());
        await("the storm to throttle every thing twice", TIMEOUT, () -> iot.throttled() >= 2L * added.size());
        iot.setFaults(new IotSimulator.Faults(0, 0, 0, 3)); // the storm ends; every third update answers 500
        RolloutRecord record = awaitFinal(store, uploaded, TIMEOUT);

        int things = iot.thingNames().size();
        assertThat(record.status()).isEqualTo(RolloutStatus.SUCCEEDED);
        assertThat(record.counts()).isEqualTo(new RolloutCounts(things, things, 0, 0, iot.throttled()));
        assertThat(iot.serverErrors()).isPositive();
        assertThat(iot.throttled()).as("most early requests were throttled").isGreaterThanOrEqualTo(2L * added.size());
        for (String thing : iot.thingNames()) {
            assertThat(iot.shadow(thing, SimulatedIot.SHADOW).orElseThrow().path("state").path("desired").path("s3")
                    .path("hash").asText()).as(thing).isEqualTo(uploaded.sha256());
        }
    }

    @Test
    void goneThingsAreSkippedAndPermanentFailuresEndPartialAfterBoundedRetries() {
        iot.setFaults(IotSimulator.Faults.NONE);
        added = List.of("ghost-1", "broken-5xx-1", "broken-4xx-1");
        iot.addGhost("ghost-1");
        iot.addBrokenServerSide("broken-5xx-1");
        iot.addRejecting("broken-4xx-1");
        iot.resetCounters();

        var uploaded = upload(s3, config.bucket(), "partial/" + UUID.randomUUID() + ".bin", 100, Map.of());
        RolloutRecord record = awaitFinal(store, uploaded, TIMEOUT);

        int things = iot.thingNames().size();
        assertThat(record.status()).isEqualTo(RolloutStatus.PARTIAL);
        assertThat(record.reason()).isEqualTo("2 things failed");
        assertThat(record.counts()).isEqualTo(new RolloutCounts(things, things - 3, 1, 2, 0));
        assertThat(record.failedThings()).containsExactlyInAnyOrder("broken-5xx-1", "broken-4xx-1");
        assertThat(iot.attempts("broken-5xx-1")).isEqualTo(SimulatedIot.MAX_RETRIES + 1);
        assertThat(iot.attempts("broken-4xx-1")).isEqualTo(1);
        assertThat(iot.attempts("ghost-1")).isEqualTo(1);
    }

    @Test
    void rolloutIsAbortedWhenMostThingsFail() {
        iot.setFaults(IotSimulator.Faults.NONE);
        added = names("rejecting", 300);
        added.forEach(iot::addRejecting);

        var uploaded = upload(s3, config.bucket(), "abort/" + UUID.randomUUID() + ".bin", 100, Map.of());
        RolloutRecord record = awaitFinal(store, uploaded, TIMEOUT);

        assertThat(record.status()).isEqualTo(RolloutStatus.ABORTED);
        assertThat(record.reason()).contains("above the abort threshold of 50.0%");
        assertThat(record.counts().attempted()).isEqualTo(record.counts().targets());
        assertThat(record.counts().targets()).isLessThan(iot.thingNames().size());
        assertThat(record.failedThings()).hasSize((int) Math.min(100, record.counts().failed()));
        // pages recorded ahead of the abort were never written: the ledger awaits no device of them
        await("the ledger to count what was written", TIMEOUT,
                () -> ledger.convergence(record.id()).written() == record.counts().updated());
    }

    @Test
    void deleteCancelsARunningRollout() {
        iot.setFaults(new IotSimulator.Faults(0, 200, 0, 0));
        added = names("slow", 1_000);
        added.forEach(iot::addThing);
        iot.resetCounters();

        var uploaded = upload(s3, config.bucket(), "cancel/" + UUID.randomUUID() + ".bin", 100, Map.of());
        await("the rollout's record", TIMEOUT, () -> RolloutFixture.rolloutOf(store, uploaded).isPresent());
        String id = RolloutFixture.rolloutOf(store, uploaded).orElseThrow().id();
        // writing starts once the object is hashed, the rollout entered its shadow slot and the first page is listed
        await("the rollout to start writing", TIMEOUT, () -> iot.updateRequests() > 0);
        given().delete("/rollouts/" + id).then().statusCode(200);
        RolloutRecord record = awaitFinal(store, id, TIMEOUT);
        await("the worker's final counts", TIMEOUT, () -> store.get(id).orElseThrow().counts().updated() > 0);

        RolloutRecord ended = store.get(id).orElseThrow();
        assertThat(record.status()).isEqualTo(RolloutStatus.CANCELLED);
        assertThat(ended.status()).isEqualTo(RolloutStatus.CANCELLED);
        assertThat(ended.counts().targets()).isLessThan(iot.thingNames().size());
        assertThat(ended.counts().attempted()).isEqualTo(ended.counts().targets());
        // the pages recorded ahead of the cancel were never written: the ledger awaits no device of them
        await("the ledger to count what was written (" + ended.counts().updated() + ")", TIMEOUT,
                () -> ledger.convergence(id).written() == store.get(id).orElseThrow().counts().updated());
    }

    @Test
    void aRolloutPausedMidWayAndThenCancelledLeavesTheLedgerCountingWhatItWrote() {
        String id = slowRolloutWriting("pause-cancel");
        given().post("/rollouts/" + id + "/pause").then().statusCode(200).body("status", equalTo("PAUSED"));
        awaitWorkerStopped();
        given().delete("/rollouts/" + id).then().statusCode(200).body("status", equalTo("CANCELLED"));

        // the record counts up to its last checkpoint; the ledger counts every shadow the rollout wrote, no more
        String hash = store.get(id).orElseThrow().hash();
        assertThat(holding(hash)).isLessThan(iot.thingNames().size());
        await("the ledger to count the shadows written (" + holding(hash) + ")", TIMEOUT,
                () -> ledger.convergence(id).written() == holding(hash));
    }

    @Test
    void aRolloutPausedMidWayAndResumedCountsEveryThingInTheLedgerOnce() {
        String id = slowRolloutWriting("pause-resume");
        given().post("/rollouts/" + id + "/pause").then().statusCode(200).body("status", equalTo("PAUSED"));
        awaitWorkerStopped();
        given().post("/rollouts/" + id + "/resume").then().statusCode(202);

        RolloutRecord done = awaitFinal(store, id, TIMEOUT);
        assertThat(done.status()).isEqualTo(RolloutStatus.SUCCEEDED);
        assertThat(done.counts().updated()).isEqualTo(iot.thingNames().size());
        assertThat(ledger.convergence(id).written()).isEqualTo(done.counts().updated()).isEqualTo(holding(done.hash()));
    }

    @Test
    void aRolloutResumedWhileItsWorkerStillStopsForThePauseGoesOnThereWithoutWaitingForTheResumeMessage() {
        // writes of a second: the worker stops for the pause only once those in flight are answered
        String id = slowRolloutWriting("pause-resume-at-once", 1_000);
        given().post("/rollouts/" + id + "/pause").then().statusCode(200).body("status", equalTo("PAUSED"));
        // resumed before the worker read its record, and its lease renewed before the resume's message is taken
        store.resume(id).orElseThrow();
        String worker = dynamo.getItem(r -> r.tableName(config.table()).consistentRead(true)
                .key(Map.of(TableProvisioner.ROLLOUT_KEY, AttributeValue.fromS(id)))).item().get(RolloutStore.OWNER).s();
        assertThat(store.heartbeat(id, worker)).isEqualTo(RolloutStore.Ownership.OWNED);
        sqs.sendMessage(r -> r.queueUrl(queueUrls.urlOf(config.queue()))
                .messageBody("{\"" + S3NotificationParser.RESUME + "\":\"" + id + "\"}"));

        // that message, refused while the worker holds the rollout, comes back only after its visibility timeout
        RolloutRecord done = awaitFinal(store, id, sqsConfig.visibilityTimeout().dividedBy(2));
        assertThat(done.status()).isEqualTo(RolloutStatus.SUCCEEDED);
        assertThat(done.counts().updated()).isEqualTo(iot.thingNames().size());
        assertThat(ledger.convergence(id).written()).isEqualTo(done.counts().updated()).isEqualTo(holding(done.hash()));
    }

    /** Things whose shadow holds this hash. */
    private long holding(String hash) {
        return iot.thingNames().stream().filter(thing -> RolloutFixture.holds(iot, thing, hash)).count();
    }

    /** A rollout of 1,000 things at 200 ms a write, once its first writes went out; returns its id. */
    private String slowRolloutWriting(String name) {
        return slowRolloutWriting(name, 200);
    }

    private String slowRolloutWriting(String name, int latencyMillis) {
        iot.setFaults(new IotSimulator.Faults(0, latencyMillis, 0, 0));
        added = names(name, 1_000);
        added.forEach(iot::addThing);
        iot.resetCounters();
        var uploaded = upload(s3, config.bucket(), name + "/" + UUID.randomUUID() + ".bin", 100, Map.of());
        await("the rollout's record", TIMEOUT, () -> RolloutFixture.rolloutOf(store, uploaded).isPresent());
        String id = RolloutFixture.rolloutOf(store, uploaded).orElseThrow().id();
        await("the rollout to start writing", TIMEOUT, () -> iot.updateRequests() > 0);
        return id;
    }

    /** A paused rollout's worker has stopped once no update reaches the endpoint for a second. */
    private void awaitWorkerStopped() {
        long[] seen = {-1};
        await("the paused worker to stop writing", TIMEOUT, () -> {
            long updates = iot.updateRequests();
            boolean still = updates == seen[0];
            seen[0] = updates;
            RolloutFixture.sleep(1_000);
            return still;
        });
    }

    @Test
    void anInterruptedRolloutResumesFromItsCheckpointWhenItsMessageComesBack() {
        iot.setFaults(IotSimulator.Faults.NONE);
        added = names("resume", 300);
        added.forEach(iot::addThing);
        String bucket = "resume-" + UUID.randomUUID();
        s3.createBucket(r -> r.bucket(bucket));
        var uploaded = upload(s3, bucket, "fw.bin", 1_000, Map.of());
        // a worker that wrote the first 150 things, saved that checkpoint and died
        String id = uploaded.upload().rolloutId();
        store.claim(uploaded.upload(), "dead-worker");
        store.saveDigest(id, "dead-worker", new ObjectDigest.Digest(uploaded.sha256(), 1_000, null,
                uploaded.object().eTag(), Map.of()), Targeting.Fleet.ALL);
        store.checkpoint(id, "dead-worker", new FanOut.Checkpoint(added.get(149), 1,
                new RolloutCounts(150, 150, 0, 0, 0), List.of()), WaveStage.WRITING);
        iot.resetCounters();
        // the message comes back after its visibility timeout, by when the dead worker's lease has run out
        RolloutFixture.sleep(config.lease().plusMillis(200).toMillis());

        sqs.sendMessage(r -> r.queueUrl(queueUrls.urlOf(config.queue())).messageBody(RolloutFixture.s3Event(uploaded.upload())));
        RolloutRecord record = awaitFinal(store, id, TIMEOUT);

        long rest = iot.thingNames().stream().filter(name -> name.compareTo(added.get(149)) > 0).count();
        assertThat(record.status()).isEqualTo(RolloutStatus.SUCCEEDED);
        assertThat(record.counts()).isEqualTo(new RolloutCounts(150 + rest, 150 + rest, 0, 0, 0));
        assertThat(added.subList(0, 150)).allMatch(thing -> iot.attempts(thing) == 0);
        assertThat(added.subList(150, 300)).allMatch(thing -> iot.attempts(thing) == 1);
        assertThat(iot.updateRequests()).isEqualTo(rest);
    }

    @Test
    void retryOfAPartialRolloutWritesOnlyTheThingsItFailed() {
        iot.setFaults(IotSimulator.Faults.NONE);
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<String> broken = List.of("retry-" + run + "-broken-1", "retry-" + run + "-broken-2");
        added = new ArrayList<>(names("retry", 20));
        added.forEach(iot::addThing);
        broken.forEach(iot::addRejecting);
        added.addAll(broken);
        var uploaded = upload(s3, config.bucket(), "retry/" + UUID.randomUUID() + ".bin", 100, Map.of());
        RolloutRecord partial = awaitFinal(store, uploaded, TIMEOUT);
        assertThat(partial.status()).isEqualTo(RolloutStatus.PARTIAL);
        assertThat(partial.failedThings()).containsExactlyInAnyOrderElementsOf(broken);

        broken.forEach(thing -> {
            iot.removeThing(thing);
            iot.addThing(thing); // repaired
        });
        iot.resetCounters();
        given().post("/rollouts/" + partial.id() + "/retry").then().statusCode(202)
                .body("things", equalTo(2));
        await("the retry to end", TIMEOUT, () -> store.get(partial.id()).orElseThrow().status() == RolloutStatus.SUCCEEDED);

        RolloutRecord retried = store.get(partial.id()).orElseThrow();
        assertThat(iot.updateRequests()).as("only the failed things are written").isEqualTo(2);
        assertThat(broken).allMatch(thing -> iot.attempts(thing) == 1);
        assertThat(iot.shadow(broken.get(0), SimulatedIot.SHADOW).orElseThrow().path("state").path("desired").path("s3")
                .path("hash").asText()).isEqualTo(uploaded.sha256());
        RolloutCounts before = partial.counts();
        assertThat(retried.counts()).isEqualTo(new RolloutCounts(before.targets(), before.updated() + 2, before.skipped(), 0,
                before.throttledRetries()));
        assertThat(retried.failedThings()).isEmpty();
        assertThat(retried.reason()).isNull();
        given().post("/rollouts/" + partial.id() + "/retry").then().statusCode(409)
                .body("message", containsString("SUCCEEDED"));
    }

    @Test
    void retryOfARolloutThatANewerUploadReplacedIsRefused() {
        iot.setFaults(IotSimulator.Faults.NONE);
        added = List.of("retry-refused-" + UUID.randomUUID().toString().substring(0, 8));
        iot.addRejecting(added.get(0));
        var older = upload(s3, config.bucket(), "retry-old/" + UUID.randomUUID() + ".bin", 100, Map.of());
        RolloutRecord partial = awaitFinal(store, older, TIMEOUT);
        assertThat(partial.status()).isEqualTo(RolloutStatus.PARTIAL);
        iot.removeThing(added.get(0));
        var newer = upload(s3, config.bucket(), "retry-new/" + UUID.randomUUID() + ".bin", 100, Map.of());
        assertThat(awaitFinal(store, newer, TIMEOUT).status()).isEqualTo(RolloutStatus.SUCCEEDED);

        given().post("/rollouts/" + partial.id() + "/retry").then().statusCode(409)
                .contentType(ContentType.JSON)
                .body("message", containsString("no longer the newest upload"));
        given().post("/rollouts/no-such-rollout/retry").then().statusCode(404);
    }

    private static List<String> names(String prefix, int count) {
        String run = UUID.randomUUID().toString().substring(0, 8);
        return IntStream.range(0, count).mapToObj(i -> String.format("%s-%s-%03d", prefix, run, i)).toList();
    }
}
