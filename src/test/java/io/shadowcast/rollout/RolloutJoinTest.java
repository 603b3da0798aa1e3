package io.shadowcast.rollout;

import static io.restassured.RestAssured.given;
import static io.shadowcast.rollout.RolloutFixture.await;
import static io.shadowcast.rollout.RolloutFixture.awaitFinal;
import static io.shadowcast.rollout.RolloutFixture.desiredS3;
import static io.shadowcast.rollout.RolloutFixture.upload;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.shadowcast.aws.QueueUrls;
import io.shadowcast.config.JoinConfig;
import io.shadowcast.config.RolloutConfig;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iotdataplane.IotDataPlaneClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Things that join a rollout's targets later, on the emulator: registry events are put on the join
 * queue as the IoT rules would deliver them (the emulator stores rules but never runs them).
 */
@QuarkusTest
@TestProfile(RolloutJoinTest.Paced.class)
class RolloutJoinTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** "within a few seconds" of the events, for 20 things */
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** 200 things take about a second to write, so that a test can act while a rollout runs. */
    public static class Paced implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("shadowcast.rollout.max-rate", "150");
        }
    }

    @Inject S3Client s3;
    @Inject SqsClient sqs;
    @Inject IotClient iot;
    @Inject IotDataPlaneClient iotData;
    @Inject RolloutStore store;
    @Inject RolloutConfig config;
    @Inject JoinConfig join;
    @Inject QueueUrls queueUrls;
    @Inject DeviceLedger ledger;

    @Test
    void thingsAddedToTheGroupAfterItsRolloutGetItsObject() {
        String group = group(200);
        var uploaded = upload(s3, config.bucket(), "groups/" + group + "/fw.bin", 5_000, Map.of());
        RolloutRecord rollout = succeeded(uploaded);
        assertThat(rollout.counts().updated()).isEqualTo(200);

        List<String> joiners = things(group + "-late", 20);
        for (String thing : joiners) {
            iot.createThing(r -> r.thingName(thing));
            sendJoin(thingCreated(thing));
            iot.addThingToThingGroup(r -> r.thingGroupName(group).thingName(thing));
            sendJoin(addedToGroup(thing, group));
        }

        await("the 20 joiners holding the rollout's object", JOIN_TIMEOUT,
                () -> joiners.stream().allMatch(thing -> uploaded.sha256().equals(hashOf(thing))));
        await("joined 20 on the record", JOIN_TIMEOUT, () -> joinedOf(rollout.id()) == 20);
        given().get("/rollouts/" + rollout.id()).then().statusCode(200)
                .body("counts.joined", org.hamcrest.Matchers.equalTo(20))
                .body("counts.updated", org.hamcrest.Matchers.equalTo(200))
                // the joiners' devices are awaited like the others: their reports count for the rollout
                .body("convergence.written", org.hamcrest.Matchers.equalTo(220));
        assertThat(joiners).allMatch(thing -> ledger.written(rollout.id(), thing).isPresent());
    }

    @Test
    void aThingAddedWhileANewerUploadRollsOutEndsWithTheNewerObject() {
        String group = group(200);
        String key = "groups/" + group + "/fw.bin";
        var v1 = upload(s3, config.bucket(), key, 5_000, Map.of());
        succeeded(v1);

        var v2 = upload(s3, config.bucket(), key, 6_000, Map.of());
        await("v2's rollout writing", TIMEOUT, () -> RolloutFixture.rolloutOf(store, v2)
                .filter(r -> r.status() == RolloutStatus.RUNNING && r.hash() != null).isPresent());
        String late = group + "-during";
        iot.createThing(r -> r.thingName(late));
        iot.addThingToThingGroup(r -> r.thingGroupName(group).thingName(late));
        sendJoin(addedToGroup(late, group));
        sendJoin(thingCreated(late));
        RolloutRecord newer = awaitFinal(store, v2, TIMEOUT);

        assertThat(newer.status()).isEqualTo(RolloutStatus.SUCCEEDED);
        await("the join events handled", JOIN_TIMEOUT, this::joinQueueEmpty);
        assertThat(hashOf(late)).as("the late thing's object").isEqualTo(v2.sha256());
        assertThat(things(group, 200).stream().filter(thing -> !v2.sha256().equals(hashOf(thing))).toList())
                .as("group members not holding v2").isEmpty();
    }

    @Test
    void sweepWritesExactlyTheShadowsResetBehindItsBack() {
        String group = group(120);
        var uploaded = upload(s3, config.bucket(), "groups/" + group + "/fw.bin", 5_000, Map.of());
        RolloutRecord rollout = succeeded(uploaded);
        List<String> members = things(group, 120);
        List<String> reset = new ArrayList<>(members);
        Collections.shuffle(reset);
        reset = reset.subList(0, 15);
        for (int i = 0; i < reset.size(); i++) {
            String thing = reset.get(i);
            if (i % 3 == 0) {
                iotData.deleteThingShadow(r -> r.thingName(thing));
            } else {
                iotData.updateThingShadow(r -> r.thingName(thing)
                        .payload(SdkBytes.fromUtf8String("{\"state\":{\"desired\":{\"s3\":{\"url\":\"s3://elsewhere/x\",\"hash\":\"0\"}}}}")));
            }
        }

        var report = given().post("/rollouts/" + rollout.id() + "/sweep").then().statusCode(200).extract().jsonPath();

        assertThat(report.getLong("listed")).isEqualTo(120);
        assertThat(report.getLong("holding")).isEqualTo(105);
        assertThat(report.getLong("written")).isEqualTo(15);
        assertThat(report.getList("writtenThings", String.class)).containsExactlyInAnyOrderElementsOf(reset);
        assertThat(members.stream().filter(thing -> !uploaded.sha256().equals(hashOf(thing))).toList()).isEmpty();
        assertThat(joinedOf(rollout.id())).isEqualTo(15);

        var again = given().post("/rollouts/" + rollout.id() + "/sweep").then().statusCode(200).extract().jsonPath();
        assertThat(again.getLong("written")).as("a second sweep").isZero();
    }

    @Test
    void sweepOfAnUnknownOrOlderRolloutIsRefused() {
        given().post("/rollouts/no-such-rollout/sweep").then().statusCode(404)
                .body("message", org.hamcrest.Matchers.containsString("no-such-rollout"));
        String group = group(2);
        String key = "groups/" + group + "/fw.bin";
        var v1 = upload(s3, config.bucket(), key, 1_000, Map.of());
        RolloutRecord older = awaitFinal(store, v1, TIMEOUT);
        var v2 = upload(s3, config.bucket(), key, 1_000, Map.of());
        awaitFinal(store, v2, TIMEOUT);

        given().post("/rollouts/" + older.id() + "/sweep").then().statusCode(409)
                .body("message", org.hamcrest.Matchers.containsString("no longer the newest"));
        assertThat(things(group, 2).stream().map(this::hashOf)).containsOnly(v2.sha256());
    }

    @Test
    void duplicateAndOutOfOrderEventsWriteNothingTwiceAndLeaveTheNewestObject() {
        String group = group(10);
        String key = "groups/" + group + "/fw.bin";
        var v1 = upload(s3, config.bucket(), key, 5_000, Map.of());
        RolloutRecord first = awaitFinal(store, v1, TIMEOUT);
        List<String> joiners = things(group + "-late", 5);
        List<String> events = new ArrayList<>();
        for (String thing : joiners) {
            iot.createThing(r -> r.thingName(thing));
            iot.addThingToThingGroup(r -> r.thingGroupName(group).thingName(thing));
            events.add(thingCreated(thing));
            events.add(addedToGroup(thing, group));
            events.add(thingUpdated(thing));
        }
        List<String> shuffled = new ArrayList<>(events);
        shuffled.addAll(events);
        Collections.shuffle(shuffled);
        shuffled.forEach(this::sendJoin);
        await("the joiners holding v1", JOIN_TIMEOUT, () -> joiners.stream().allMatch(t -> v1.sha256().equals(hashOf(t))));
        await("the join events handled", JOIN_TIMEOUT, this::joinQueueEmpty);
        Map<String, Long> versions = joiners.stream().collect(Collectors.toMap(t -> t, this::shadowVersion));
        assertThat(joinedOf(first.id())).as("joined, with each event delivered twice").isEqualTo(5);

        Collections.shuffle(shuffled);
        shuffled.forEach(this::sendJoin);
        await("the repeated events handled", JOIN_TIMEOUT, this::joinQueueEmpty);
        assertThat(joiners.stream().collect(Collectors.toMap(t -> t, this::shadowVersion)))
                .as("shadow versions after the same events again").isEqualTo(versions);

        var v2 = upload(s3, config.bucket(), key, 6_000, Map.of());
        RolloutRecord second = awaitFinal(store, v2, TIMEOUT);
        Collections.shuffle(shuffled);
        shuffled.forEach(this::sendJoin);
        await("the late events handled", JOIN_TIMEOUT, this::joinQueueEmpty);

        List<String> members = new ArrayList<>(things(group, 10));
        members.addAll(joiners);
        assertThat(members.stream().filter(thing -> !v2.sha256().equals(hashOf(thing))).toList())
                .as("things not holding the newest object").isEmpty();
        assertThat(joinedOf(first.id())).isEqualTo(5);
        assertThat(joinedOf(second.id())).as("v2 listed every joiner itself").isZero();
    }

    @Test
    void eventsThatJoinNothingAreAcknowledgedAndPoisonGoesToTheDeadLetterQueue() {
        String poison = "not a registry event " + UUID.randomUUID();
        String dlq = queueUrls.urlOf(join.queue() + "-dlq");
        sendJoin(poison);
        sendJoin("{\"eventType\":\"THING_EVENT\",\"operation\":\"DELETED\",\"thingName\":\"gone-" + UUID.randomUUID() + "\"}");
        sendJoin(thingCreated("never-registered-" + UUID.randomUUID()));

        await("the poison message in the DLQ", TIMEOUT, () -> sqs.receiveMessage(r -> r.queueUrl(dlq)
                .maxNumberOfMessages(10).waitTimeSeconds(1)).messages().stream().map(Message::body).anyMatch(poison::equals));
        await("the other events handled", JOIN_TIMEOUT, this::joinQueueEmpty);
    }

    private RolloutRecord succeeded(RolloutFixture.Uploaded uploaded) {
        RolloutRecord rollout = awaitFinal(store, uploaded, TIMEOUT);
        assertThat(rollout.status()).as("rollout %s", rollout).isEqualTo(RolloutStatus.SUCCEEDED);
        return rollout;
    }

    /** A thing group of {@code size} new things. */
    private String group(int size) {
        String group = "join-" + UUID.randomUUID().toString().substring(0, 8);
        iot.createThingGroup(r -> r.thingGroupName(group));
        for (String thing : things(group, size)) {
            iot.createThing(r -> r.thingName(thing));
            iot.addThingToThingGroup(r -> r.thingGroupName(group).thingName(thing));
        }
        return group;
    }

    private static List<String> things(String prefix, int count) {
        return IntStream.range(0, count).mapToObj(i -> String.format("%s-%03d", prefix, i)).toList();
    }

    private void sendJoin(String body) {
        sqs.sendMessage(r -> r.queueUrl(queueUrls.urlOf(join.queue())).messageBody(body));
    }

    private boolean joinQueueEmpty() {
        Map<String, String> attributes = sqs.getQueueAttributes(r -> r.queueUrl(queueUrls.urlOf(join.queue()))
                .attributeNamesWithStrings("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"))
                .attributesAsStrings();
        return Set.of("0").containsAll(attributes.values());
    }

    private long joinedOf(String id) {
        return store.get(id).orElseThrow().counts().joined();
    }

    /** desired.s3.hash of the classic shadow, or null without one. */
    private String hashOf(String thing) {
        try {
            return desiredS3(iotData.getThingShadow(r -> r.thingName(thing)).payload().asUtf8String()).path("hash")
                    .textValue();
        } catch (software.amazon.awssdk.services.iotdataplane.model.ResourceNotFoundException noShadow) {
            return null;
        }
    }

    private long shadowVersion(String thing) {
        try {
            return JSON.readTree(iotData.getThingShadow(r -> r.thingName(thing)).payload().asUtf8String())
                    .path("version").asLong();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** As AWS IoT publishes it on $aws/events/thing/{name}/created. */
    private static String thingCreated(String thing) {
        return thingEvent(thing, "CREATED", 1);
    }

    private static String thingUpdated(String thing) {
        return thingEvent(thing, "UPDATED", 2);
    }

    private static String thingEvent(String thing, String operation, int version) {
        return JSON.createObjectNode().put("eventType", "THING_EVENT").put("eventId", UUID.randomUUID().toString())
                .put("timestamp", System.currentTimeMillis()).put("operation", operation)
                .put("accountId", "123456789012").put("thingId", UUID.randomUUID().toString()).put("thingName", thing)
                .put("versionNumber", version).putNull("thingTypeName").set("attributes", JSON.createObjectNode())
                .toString();
    }

    /** As AWS IoT publishes it on $aws/events/thingGroupMembership/thingGroup/{group}/thing/{name}/added. */
    private static String addedToGroup(String thing, String group) {
        return JSON.createObjectNode().put("eventType", "THING_GROUP_MEMBERSHIP_EVENT")
                .put("eventId", UUID.randomUUID().toString()).put("timestamp", System.currentTimeMillis())
                .put("operation", "ADDED").put("accountId", "123456789012")
                .put("groupArn", "arn:aws:iot:us-east-1:123456789012:thinggroup/" + group)
                .put("groupId", UUID.randomUUID().toString())
                .put("thingArn", "arn:aws:iot:us-east-1:123456789012:thing/" + thing)
                .put("thingId", UUID.randomUUID().toString()).put("membershipId", UUID.randomUUID().toString())
                .toString();
    }
}
