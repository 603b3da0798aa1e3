package io.shadowcast.rollout;

import static io.restassured.RestAssured.given;
import static io.shadowcast.rollout.RolloutFixture.await;
import static io.shadowcast.rollout.RolloutFixture.awaitFinal;
import static io.shadowcast.rollout.RolloutFixture.desiredS3;
import static io.shadowcast.rollout.RolloutFixture.rolloutOf;
import static io.shadowcast.rollout.RolloutFixture.upload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.shadowcast.config.RolloutConfig;
import io.shadowcast.join.JoinWriter;
import io.shadowcast.provision.TableProvisioner;
import io.shadowcast.testing.AuthOn;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iotdataplane.IotDataPlaneClient;
import software.amazon.awssdk.services.iotdataplane.model.ResourceNotFoundException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * Staged rollouts on the emulator, 500 things of one type: each wave is written only after the one
 * before it reached its threshold, errors and disconnects pause it, the REST API pauses, resumes and
 * cancels. The devices' reports go on the report queue and disconnects on the presence queue, each in
 * the shape its IoT rule delivers.
 */
@QuarkusTest
@TestProfile(StagedRollouts.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StagedRolloutTest {

    private static final int THINGS = 500;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BEARER = "Bearer " + AuthOn.TOKEN;

    @Inject S3Client s3;
    @Inject SqsClient sqs;
    @Inject SnsClient sns;
    @Inject IotClient iot;
    @Inject IotDataPlaneClient iotData;
    @Inject RolloutStore store;
    @Inject RolloutConfig config;
    @Inject DeviceLedger ledger;
    @Inject DynamoDbClient dynamo;
    @Inject JoinWriter joins;

    private final String type = "waves-" + UUID.randomUUID().toString().substring(0, 8);
    private List<String> names = List.of();

    @BeforeAll
    void createTheFleet() {
        iot.createThingType(r -> r.thingTypeName(type));
        names = IntStream.range(0, THINGS).mapToObj(i -> type + "-" + i).toList();
        names.parallelStream().forEach(name -> iot.createThing(r -> r.thingName(name).thingTypeName(type)));
    }

    @AfterAll
    void removeTheFleet() {
        // later rollouts of the shared emulator target every thing: keep the fleet small for them
        names.parallelStream().forEach(name -> iot.deleteThing(r -> r.thingName(name)));
    }

    @Test
    void theNextWaveIsWrittenOnlyOnceNinetyPercentOfTheLastAppliedAndEachWaveIsAStableSpread() {
        var uploaded = stagedUpload("2%,20%,100%", "90%");
        RolloutRecord watching = awaitWatching(uploaded, 1);
        WavePlan plan = watching.plan();
        assertThat(plan.bounds()).containsExactly(0.02, 0.2, 1.0);
        Set<String> first = members(plan, watching.id(), 0);
        assertThat(ledger.convergence(watching.id(), 0).written()).isEqualTo(first.size());
        assertThat(first).allMatch(thing -> ledger.written(watching.id(), thing).map(w -> w.wave() == 0).orElse(false));

        RolloutFixture.sleep(1_000); // five looks of the gate, no report yet
        assertThat(holding(uploaded.sha256())).as("only the first wave is written before its reports")
                .isEqualTo(first);
        assertThat(store.get(watching.id()).orElseThrow().waves().current()).isEqualTo(1);

        List<String> reporting = new ArrayList<>(first);
        int needed = (int) Math.ceil(0.9 * first.size());
        report(uploaded, reporting.subList(0, needed - 1), null);
        await("the reports counted", TIMEOUT, () -> ledger.convergence(watching.id(), 0).applied() == needed - 1);
        RolloutFixture.sleep(1_000);
        assertThat(holding(uploaded.sha256())).as("one report short of 90 %%").isEqualTo(first);

        report(uploaded, reporting.subList(needed - 1, needed), null);
        awaitWatching(uploaded, 2);
        Set<String> firstTwo = new HashSet<>(first);
        firstTwo.addAll(members(plan, watching.id(), 1));
        assertThat(holding(uploaded.sha256())).isEqualTo(firstTwo);

        report(uploaded, List.copyOf(members(plan, watching.id(), 1)), null);
        RolloutRecord done = awaitFinal(store, watching.id(), TIMEOUT);
        assertThat(done.status()).isEqualTo(RolloutStatus.SUCCEEDED);
        assertThat(done.counts()).isEqualTo(new RolloutCounts(THINGS, THINGS, 0, 0, 0));
        assertThat(holding(uploaded.sha256())).hasSize(THINGS);
    }

    @Test
    void aThingThatJoinedBeforeItsWaveKeepsWhatItsDeviceReportedAndIsCountedOnceWhenTheWaveIsWritten()
            throws InterruptedException {
        var uploaded = stagedUpload("2%,20%,100%", "90%");
        RolloutRecord watching = awaitWatching(uploaded, 1);
        String id = watching.id();
        WavePlan plan = watching.plan();
        String joiner = members(plan, id, 2).iterator().next();
        assertThat(joins.join(joiner)).as("a registry event for a thing of the last wave, while the first is watched")
                .isEqualTo(new JoinWriter.Joined(joiner, JoinWriter.Outcome.WRITTEN, id));
        report(uploaded, List.of(joiner), null);
        await("the joiner's report counted", TIMEOUT, () -> ledger.convergence(id, 2).applied() == 1);

        report(uploaded, List.copyOf(members(plan, id, 0)), null);
        awaitWatching(uploaded, 2);
        report(uploaded, List.copyOf(members(plan, id, 1)), null);
        RolloutRecord done = awaitFinal(store, id, TIMEOUT);

        assertThat(done.status()).isEqualTo(RolloutStatus.SUCCEEDED);
        assertThat(ledger.convergence(id, 2)).as("the last wave's pass recorded the joiner again, after its report")
                .isEqualTo(new DeviceLedger.Convergence(members(plan, id, 2).size(), 1, 0, 0));
    }

    @Test
    void errorsInTheFirstWavePauseTheRolloutAndResumeGoesOnWithTheNextWave() {
        var uploaded = stagedUpload("2%,20%,100%", "90%");
        RolloutRecord watching = awaitWatching(uploaded, 1);
        String id = watching.id();
        List<String> first = List.copyOf(members(watching.plan(), id, 0));
        int failing = Math.max(1, first.size() / 5);
        report(uploaded, first.subList(0, failing), "checksum mismatch");
        report(uploaded, first.subList(failing, first.size()), null);

        RolloutRecord paused = awaitStatus(id, RolloutStatus.PAUSED);
        assertThat(paused.reason()).startsWith("wave 1: " + (first.size() - failing) + " of " + first.size() + " applied")
                .endsWith("< 90 %, every device reported (" + failing + " failed, 0 timed out)");
        assertThat(paused.waves().current()).isEqualTo(1);
        assertThat(paused.waves().next()).as("a resume continues with the second wave").isEqualTo(2);
        RolloutFixture.sleep(1_000);
        assertThat(holding(uploaded.sha256())).as("nothing outside the first wave is written").isEqualTo(Set.copyOf(first));

        given().post("/rollouts/" + id + "/resume").then().statusCode(401);
        given().header("Authorization", BEARER).post("/rollouts/" + id + "/resume").then().statusCode(202)
                .body("status", equalTo("RUNNING")).body("waves.current", equalTo(2));
        awaitWatching(uploaded, 2);
        report(uploaded, List.copyOf(members(watching.plan(), id, 1)), null);
        RolloutRecord done = awaitFinal(store, id, TIMEOUT);
        assertThat(done.status()).isEqualTo(RolloutStatus.SUCCEEDED);
        assertThat(holding(uploaded.sha256())).hasSize(THINGS);
    }

    @Test
    void aWaveWhoseDevicesFailOrTimeOutAboveTheAbortPercentEndsTheRolloutAborted() {
        var uploaded = stagedUpload("10%,100%", "90%");
        RolloutRecord watching = awaitWatching(uploaded, 1);
        Set<String> first = members(watching.plan(), watching.id(), 0);
        report(uploaded, List.copyOf(first), "checksum mismatch");

        RolloutRecord aborted = awaitFinal(store, watching.id(), TIMEOUT);
        assertThat(aborted.status()).isEqualTo(RolloutStatus.ABORTED);
        // the gate aborts at its first look with half of the wave failed, while the rest of the reports arrive
        assertThat(aborted.reason()).matches("wave 1: [0-9]+ of " + first.size() + " devices failed or timed out "
                + "\\([0-9.]+ %, at or above the abort threshold of 50 %\\)");
        assertThat(holding(uploaded.sha256())).isEqualTo(first);
    }

    @Test
    void disconnectsOfThirtyPercentOfTheFirstWavePauseTheRolloutWithOneAlert() {
        String alerts = subscribeToAlerts();
        var uploaded = stagedUpload("10%,100%", "90%");
        RolloutRecord watching = awaitWatching(uploaded, 1);
        String id = watching.id();
        List<String> first = List.copyOf(members(watching.plan(), id, 0));
        List<String> offline = first.subList(0, (int) Math.ceil(0.3 * first.size()));

        disconnect(offline, Instant.now());
        disconnect(offline, Instant.now()); // a second event each, and SQS may deliver any of them twice

        RolloutRecord paused = awaitStatus(id, RolloutStatus.PAUSED);
        // the gate pauses as soon as more than 20 % (the default) of the wave disconnected
        long harmed = store.harmed(id, 0);
        assertThat(harmed).isGreaterThan(first.size() / 5).isLessThanOrEqualTo(offline.size());
        assertThat(paused.reason()).matches("wave 1: [0-9]+ of " + first.size()
                + " updated devices disconnected within 30m");
        long named = Long.parseLong(paused.reason().split(" ")[2]);
        assertThat(named).isGreaterThan(first.size() / 5).isLessThanOrEqualTo(harmed);
        List<Map<String, AttributeValue>> markers = offline.stream()
                .map(thing -> dynamo.getItem(r -> r.tableName(config.table()).consistentRead(true).key(Map.of(
                        TableProvisioner.ROLLOUT_KEY, AttributeValue.fromS(RolloutStore.HARM_PREFIX + id + ":" + thing)))))
                .filter(response -> response.hasItem() && !response.item().isEmpty())
                .map(response -> response.item()).toList();
        assertThat(markers).hasSizeGreaterThanOrEqualTo((int) harmed).allSatisfy(marker -> {
            assertThat(marker).as("a harm marker expires").containsKey(TableProvisioner.EXPIRES_AT);
            assertThat(Instant.ofEpochSecond(Long.parseLong(marker.get(TableProvisioner.EXPIRES_AT).n())))
                    .as("long after any watch")
                    .isBetween(Instant.now().plus(Duration.ofDays(29)), Instant.now().plus(Duration.ofDays(31)));
        });
        RolloutFixture.sleep(2_000);
        List<JsonNode> received = alertsAbout(alerts, id);
        assertThat(received).hasSize(1);
        assertThat(received.get(0).path("Message").asText()).contains(id).contains(paused.reason());
        assertThat(holding(uploaded.sha256())).as("no later wave is written").isEqualTo(Set.copyOf(first));

        given().header("Authorization", BEARER).delete("/rollouts/" + id).then().statusCode(200)
                .body("status", equalTo("CANCELLED"));
    }

    @Test
    void aHarmAlertThatCouldNotBePublishedIsPublishedOnceWhenTheRolloutsMessageComesBack() {
        var uploaded = stagedUpload("10%,100%", "90%");
        RolloutRecord watching = awaitWatching(uploaded, 1);
        String id = watching.id();
        List<String> first = List.copyOf(members(watching.plan(), id, 0));
        // SNS refuses the alert: the topic is gone when the gate pauses the rollout
        sns.deleteTopic(r -> r.topicArn(sns.createTopic(t -> t.name("shadowcast-alerts")).topicArn()));

        disconnect(first.subList(0, (int) Math.ceil(0.3 * first.size())), Instant.now());
        RolloutRecord paused = awaitStatus(id, RolloutStatus.PAUSED);
        RolloutFixture.sleep(1_000);
        String alerts = subscribeToAlerts();

        // the rollout's message is back after its visibility timeout (5 s here), and whoever takes it publishes
        List<JsonNode> received = new ArrayList<>();
        await("the harm alert of rollout " + id, TIMEOUT, () -> {
            received.addAll(alertsAbout(alerts, id));
            return !received.isEmpty();
        });
        RolloutFixture.sleep(7_000); // one more visibility timeout: the message was deleted, no second alert
        received.addAll(alertsAbout(alerts, id));
        assertThat(received).hasSize(1);
        assertThat(received.get(0).path("Message").asText()).contains(id).contains(paused.reason());
        assertThat(store.get(id).orElseThrow().status()).isEqualTo(RolloutStatus.PAUSED);

        given().header("Authorization", BEARER).delete("/rollouts/" + id).then().statusCode(200)
                .body("status", equalTo("CANCELLED"));
    }

    @Test
    void pauseResumeAndCancelNeedTheTokenAndAnswerConflictsInJson() {
        var uploaded = stagedUpload("10%,50%,100%", "90%");
        String id = awaitWatching(uploaded, 1).id();

        given().post("/rollouts/" + id + "/pause").then().statusCode(401);
        given().delete("/rollouts/" + id).then().statusCode(401);
        given().header("Authorization", BEARER).post("/rollouts/" + id + "/resume").then().statusCode(409)
                .contentType(ContentType.JSON).body("message", containsString("only a PAUSED rollout can be resumed"));
        given().header("Authorization", BEARER).post("/rollouts/" + id + "/pause").then().statusCode(200)
                .body("status", equalTo("PAUSED")).body("reason", equalTo("paused by request"));
        given().header("Authorization", BEARER).post("/rollouts/" + id + "/pause").then().statusCode(409)
                .contentType(ContentType.JSON).body("message", containsString("is PAUSED: only a RUNNING rollout"));
        RolloutFixture.sleep(1_000);
        assertThat(store.get(id).orElseThrow().status()).as("its worker let go and left it paused")
                .isEqualTo(RolloutStatus.PAUSED);

        given().header("Authorization", BEARER).post("/rollouts/" + id + "/resume").then().statusCode(202);
        awaitWatching(uploaded, 2);
        given().header("Authorization", BEARER).post("/rollouts/" + id + "/pause").then().statusCode(200);
        given().header("Authorization", BEARER).delete("/rollouts/" + id).then().statusCode(200)
                .body("status", equalTo("CANCELLED"));
        given().header("Authorization", BEARER).post("/rollouts/" + id + "/resume").then().statusCode(409)
                .body("message", containsString("is CANCELLED"));
        given().header("Authorization", BEARER).post("/rollouts/no-such-id/pause").then().statusCode(404)
                .contentType(ContentType.JSON);
    }

    @Test
    void aBadPlanFailsTheRolloutWithTheReasonOrIsRefusedNamingTheField() {
        var uploaded = upload(s3, config.bucket(), "staged/" + UUID.randomUUID() + ".bin", 1_000,
                Map.of(TargetRule.META_TYPE, type, WavePlanRule.META_WAVES, "2%,20%"));
        RolloutRecord failed = awaitFinal(store, uploaded, TIMEOUT);
        assertThat(failed.status()).isEqualTo(RolloutStatus.FAILED);
        assertThat(failed.reason()).isEqualTo("invalid wave plan in x-amz-meta-shadowcast-waves: waves '2%,20%': "
                + "the last wave must be 100%");

        given().header("Authorization", BEARER).contentType(ContentType.JSON)
                .body("{\"bucket\":\"" + config.bucket() + "\",\"key\":\"" + uploaded.object().key()
                        + "\",\"waves\":\"5%,100%\",\"waveThreshold\":\"120%\"}")
                .post("/rollouts").then().statusCode(400).body("message", containsString("waveThreshold"));
    }

    @Test
    void aRequestedPlanRunsInWaves() {
        var uploaded = upload(s3, config.bucket(), "staged/" + UUID.randomUUID() + ".bin", 1_000,
                Map.of(TargetRule.META_TYPE, type));
        String id = given().header("Authorization", BEARER).contentType(ContentType.JSON)
                .body("{\"bucket\":\"" + config.bucket() + "\",\"key\":\"" + uploaded.object().key()
                        + "\",\"waves\":\"25,100%\",\"waveThreshold\":\"50\",\"waveTimeout\":\"2s\"}")
                .post("/rollouts").then().statusCode(202).extract().path("id");

        RolloutRecord paused = awaitStatus(id, RolloutStatus.PAUSED);
        assertThat(paused.plan().bounds()).containsExactly(25.0 / THINGS, 1.0);
        assertThat(paused.reason()).isEqualTo("wave 1: 0 of " + ledger.convergence(id, 0).written()
                + " applied (0 %) < 50 % after 2s");
    }

    @Test
    void aResumeWithinAWaveKeepsItsCheckpointAndOneBetweenWavesMovesOnToTheNextWave() {
        WavePlan plan = WavePlan.parse("10%,50%,100%", null, null, 90, Duration.ofHours(1)).resolve(THINGS);
        String owner = "worker-" + UUID.randomUUID();
        Upload upload = new Upload(new ObjectRef(config.bucket(), "stopped/" + UUID.randomUUID(), null, "etag"),
                Instant.now(), null, null);
        String id = store.claim(upload, owner).record().id();
        store.saveDigest(id, owner, new ObjectDigest.Digest("ab".repeat(32), 10, null, "etag", Map.of()),
                Targeting.Fleet.ALL, plan);
        store.checkpoint(id, owner, new FanOut.Checkpoint("page-2", 1, new RolloutCounts(30, 30, 0, 0, 0), List.of()),
                WaveStage.WRITING);

        given().header("Authorization", BEARER).post("/rollouts/" + id + "/pause").then().statusCode(200)
                .body("waves.next", equalTo(1));
        assertThat(store.heartbeat(id, owner)).as("its worker learns it at its next heartbeat")
                .isEqualTo(RolloutStore.Ownership.PAUSED);
        RolloutRecord within = store.resume(id).orElseThrow();
        assertThat(within.status()).isEqualTo(RolloutStatus.RUNNING);
        assertThat(within.wave()).isZero();
        assertThat(within.checkpoint()).as("the wave goes on from its page").isEqualTo("page-2");
        assertThat(within.counts().updated()).isEqualTo(30);

        String next = "worker-" + UUID.randomUUID();
        assertThat(store.claimResumed(id, next)).isInstanceOf(RolloutStore.Claim.Resumed.class);
        store.checkpoint(id, next, new FanOut.Checkpoint(null, 2, new RolloutCounts(50, 50, 0, 0, 0), List.of()),
                WaveStage.WATCHING);
        String harm = "wave 1: 20 of 50 updated devices disconnected within 30m";
        RolloutRecord paused = store.pause(id, next, harm, OptionalInt.of(0)).orElseThrow();
        assertThat(paused.dueAlert()).isEqualTo(new RolloutRecord.DueAlert(0, harm));
        assertThat(store.pause(id, next, "a second pause", OptionalInt.of(0))).as("one pause, one alert").isEmpty();
        assertThat(store.alertPublished(id, paused.dueAlert())).isTrue();
        assertThat(store.alertPublished(id, paused.dueAlert())).as("taken off once").isFalse();
        assertThat(store.get(id).orElseThrow().dueAlert()).isNull();
        RolloutRecord between = store.resume(id).orElseThrow();
        assertThat(between.wave()).as("resuming approves the next wave").isEqualTo(1);
        assertThat(between.stage()).isEqualTo(WaveStage.WRITING);
        assertThat(between.checkpoint()).isNull();
        assertThat(between.reason()).isNull();
        assertThat(between.counts().updated()).isEqualTo(50);
        assertThat(store.resume(id)).as("only a paused rollout resumes").isEmpty();
        given().header("Authorization", BEARER).delete("/rollouts/" + id).then().statusCode(200);
    }

    // ------------------------------------------------------------------------------------------ helpers

    private RolloutFixture.Uploaded stagedUpload(String waves, String threshold) {
        return upload(s3, config.bucket(), "staged/" + UUID.randomUUID() + ".bin", 1_000,
                Map.of(TargetRule.META_TYPE, type, WavePlanRule.META_WAVES, waves, WavePlanRule.META_THRESHOLD, threshold));
    }

    /** Waits until the rollout of this upload watches its wave {@code current} (from 1). */
    private RolloutRecord awaitWatching(RolloutFixture.Uploaded uploaded, int current) {
        await("a record of " + uploaded.object().url(), TIMEOUT, () -> rolloutOf(store, uploaded).isPresent());
        String id = rolloutOf(store, uploaded).orElseThrow().id();
        await("rollout " + id + " watching wave " + current, TIMEOUT, () -> {
            RolloutRecord record = store.get(id).orElseThrow();
            return record.status() == RolloutStatus.RUNNING && record.waves() != null
                    && record.waves().current() == current && record.stage() == WaveStage.WATCHING;
        });
        return store.get(id).orElseThrow();
    }

    private RolloutRecord awaitStatus(String id, RolloutStatus status) {
        await("rollout " + id + " " + status, TIMEOUT,
                () -> store.get(id).map(record -> record.status() == status).orElse(false));
        return store.get(id).orElseThrow();
    }

    private Set<String> members(WavePlan plan, String id, int wave) {
        return names.stream().filter(thing -> plan.waveOf(id, thing) == wave).collect(Collectors.toSet());
    }

    /** The things whose shadow holds this hash. */
    private Set<String> holding(String sha256) {
        return names.parallelStream().filter(thing -> {
            try {
                String shadow = iotData.getThingShadow(r -> r.thingName(thing)).payload().asUtf8String();
                return desiredS3(shadow).path("hash").asText().equals(sha256);
            } catch (ResourceNotFoundException noShadow) {
                return false;
            }
        }).collect(Collectors.toSet());
    }

    /**
     * Device reports on the report queue, as the IoT rule forwards a change of {@code reported.s3}: the
     * object applied, or with {@code error} not applied.
     */
    private void report(RolloutFixture.Uploaded uploaded, List<String> things, String error) {
        String queue = sqs.getQueueUrl(r -> r.queueName("shadowcast-reports")).queueUrl();
        for (int from = 0; from < things.size(); from += 10) {
            List<SendMessageBatchRequestEntry> batch = new ArrayList<>();
            for (String thing : things.subList(from, Math.min(things.size(), from + 10))) {
                var reported = JSON.createObjectNode().put("url", uploaded.object().url()).put("hash", uploaded.sha256());
                if (error != null) {
                    reported.put("error", error);
                }
                var body = JSON.createObjectNode().put("thingName", thing);
                body.set("reported", reported);
                body.put("timestamp", Instant.now().getEpochSecond());
                batch.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(batch.size()))
                        .messageBody(body.toString()).build());
            }
            sqs.sendMessageBatch(r -> r.queueUrl(queue).entries(batch));
        }
    }

    /** Lifecycle disconnect events on the presence queue, as the IoT rule delivers them. */
    private void disconnect(List<String> things, Instant at) {
        String queue = sqs.getQueueUrl(r -> r.queueName("shadowcast-presence")).queueUrl();
        for (int from = 0; from < things.size(); from += 10) {
            List<SendMessageBatchRequestEntry> batch = new ArrayList<>();
            for (String thing : things.subList(from, Math.min(things.size(), from + 10))) {
                String body = JSON.createObjectNode().put("clientId", thing).put("timestamp", at.toEpochMilli())
                        .put("eventType", "disconnected").put("disconnectReason", "CONNECTION_LOST")
                        .put("versionNumber", 1).toString();
                batch.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(batch.size())).messageBody(body).build());
            }
            sqs.sendMessageBatch(r -> r.queueUrl(queue).entries(batch));
        }
    }

    /** A queue subscribed to the alert topic; returns its URL. */
    private String subscribeToAlerts() {
        String topic = sns.createTopic(r -> r.name("shadowcast-alerts")).topicArn();
        String url = sqs.createQueue(r -> r.queueName("harm-alerts-" + UUID.randomUUID())).queueUrl();
        String arn = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        sns.subscribe(r -> r.topicArn(topic).protocol("sqs").endpoint(arn));
        return url;
    }

    /** The SNS envelopes of the rollout-paused alerts about this rollout that reached the subscription. */
    private List<JsonNode> alertsAbout(String queueUrl, String id) {
        List<JsonNode> about = new ArrayList<>();
        while (true) {
            var messages = sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(1))
                    .messages();
            if (messages.isEmpty()) {
                return about;
            }
            for (var message : messages) {
                try {
                    JsonNode envelope = JSON.readTree(message.body());
                    if (envelope.path("MessageAttributes").path("event").path("Value").asText().equals(HarmAlert.EVENT)
                            && envelope.path("MessageAttributes").path("rolloutId").path("Value").asText().equals(id)) {
                        about.add(envelope);
                    }
                } catch (Exception e) {
                    throw new AssertionError("not an SNS envelope: " + message.body(), e);
                }
                sqs.deleteMessage(r -> r.queueUrl(queueUrl).receiptHandle(message.receiptHandle()));
            }
        }
    }
}
