package io.shadowcast.rollout;

import static io.restassured.RestAssured.given;
import static io.shadowcast.rollout.RolloutFixture.await;
import static io.shadowcast.rollout.RolloutFixture.sleep;
import static io.shadowcast.rollout.RolloutFixture.upload;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.shadowcast.aws.QueueUrls;
import io.shadowcast.config.RolloutConfig;
import io.shadowcast.testing.IotSimulator;
import io.shadowcast.testing.SimulatedIot;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.Event;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Newest upload wins: uploads that follow each other closely, on one key or on several, end with
 * every thing holding the newest one, whichever rollout hashed or wrote faster. The uploads come from
 * the emulator's own S3 notifications, as a user's would.
 */
@QuarkusTest
@TestProfile(SimulatedIot.class)
class RolloutOrderTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final int FLEET = 400;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject S3Client s3;
    @Inject SqsClient sqs;
    @Inject QueueUrls queueUrls;
    @Inject RolloutConfig config;
    IotSimulator iot;

    private List<String> added = List.of();

    @BeforeEach
    void fleet() {
        iot.setFaults(IotSimulator.Faults.NONE);
        String run = UUID.randomUUID().toString().substring(0, 8);
        added = IntStream.range(0, FLEET).mapToObj(i -> String.format("order-%s-%03d", run, i)).toList();
        added.forEach(iot::addThing);
    }

    @AfterEach
    void removeFleet() {
        iot.throttleUpdatesContaining(null, 1);
        added.forEach(iot::removeThing);
        iot.setFaults(new IotSimulator.Faults(0, 0, 5, 13));
    }

    @Test
    void rollbackByUploadingTheOldBytesAgainIsANewRollout() {
        String bucket = unversionedBucketNotifyingTheQueue();
        String key = "rollback/" + UUID.randomUUID() + ".bin";
        byte[] a = bytes(10_000, 1);
        byte[] b = bytes(10_000, 2);

        var first = upload(s3, bucket, key, a, Map.of());
        awaitRecords(bucket, key, 1);
        upload(s3, bucket, key, b, Map.of());
        awaitRecords(bucket, key, 2);
        upload(s3, bucket, key, a, Map.of());
        List<JsonNode> records = awaitRecords(bucket, key, 3);

        assertThat(thingsNotHolding(first.sha256())).as("things not rolled back to A").isEmpty();
        assertThat(records).extracting(r -> r.path("status").asText()).containsExactly("SUCCEEDED", "SUCCEEDED", "SUCCEEDED");
        assertThat(records).extracting(r -> r.path("hash").asText()).as("newest first")
                .containsExactly(first.sha256(), RolloutFixture.sha256(b), first.sha256());
    }

    @Test
    void aNewerVersionWinsOverAnOlderOneThatHashesSlower() {
        String key = "versions/" + UUID.randomUUID() + ".bin";
        QuarkusMock.installMockForType(RolloutFixture.slowFirstDigestOf(s3, key, Duration.ofSeconds(3)), ObjectDigest.class);

        var v1 = upload(s3, config.bucket(), key, bytes(4 << 20, 3), Map.of());
        sleep(300);
        var v2 = upload(s3, config.bucket(), key, bytes(1_000, 4), Map.of());
        List<JsonNode> records = awaitRecords(config.bucket(), key, 2);

        assertThat(thingsNotHolding(v2.sha256())).as("things not holding v2").isEmpty();
        assertThat(records.get(0).path("hash").asText()).isEqualTo(v2.sha256());
        assertThat(records.get(0).path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(records.get(1).path("status").asText()).as("v1 %s", records.get(1)).isEqualTo("SUPERSEDED");
        assertThat(records.get(1).path("supersededBy").asText()).isEqualTo(records.get(0).path("id").asText());
        assertThat(records.get(1).path("counts").path("updated").asLong()).as("v1 wrote nothing").isZero();
        assertThat(v1.sha256()).isNotEqualTo(v2.sha256());
    }

    @Test
    void aNewerVersionStopsAnOlderOneWhoseWritesAreThrottledHarder() {
        String key = "throttled-versions/" + UUID.randomUUID() + ".bin";
        byte[] first = bytes(2_000, 5);
        iot.throttleUpdatesContaining(RolloutFixture.sha256(first), 4);

        upload(s3, config.bucket(), key, first, Map.of());
        sleep(300);
        var v2 = upload(s3, config.bucket(), key, bytes(2_000, 6), Map.of());
        List<JsonNode> records = awaitRecords(config.bucket(), key, 2);

        assertThat(thingsNotHolding(v2.sha256())).as("things not holding v2").isEmpty();
        assertThat(records.get(0).path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(records.get(1).path("status").asText()).as("v1 %s", records.get(1)).isEqualTo("SUPERSEDED");
        assertThat(records.get(1).path("supersededBy").asText()).isEqualTo(records.get(0).path("id").asText());
    }

    @Test
    void anUploadOfAnotherKeyWinsOverTheOneBeforeIt() {
        String a = "keys/a-" + UUID.randomUUID() + ".bin";
        String b = "keys/b-" + UUID.randomUUID() + ".bin";
        QuarkusMock.installMockForType(RolloutFixture.slowFirstDigestOf(s3, a, Duration.ofSeconds(2)), ObjectDigest.class);

        upload(s3, config.bucket(), a, bytes(2 << 20, 7), Map.of());
        sleep(300);
        var second = upload(s3, config.bucket(), b, bytes(1_000, 8), Map.of());
        JsonNode recordA = awaitRecords(config.bucket(), a, 1).get(0);
        JsonNode recordB = awaitRecords(config.bucket(), b, 1).get(0);

        assertThat(thingsNotHolding(second.sha256())).as("things not holding b").isEmpty();
        assertThat(recordB.path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(recordA.path("status").asText()).as("a %s", recordA).isEqualTo("SUPERSEDED");
        assertThat(recordA.path("supersededBy").asText()).isEqualTo(recordB.path("id").asText());
    }

    /** Things of the simulated fleet whose shadow does not hold this hash. */
    private Set<String> thingsNotHolding(String sha256) {
        return iot.thingNames().stream().filter(thing -> !RolloutFixture.holds(iot, thing, sha256))
                .collect(Collectors.toSet());
    }

    /** Waits until the key has this many rollout records, every one ended, and returns them newest first. */
    private static List<JsonNode> awaitRecords(String bucket, String key, int count) {
        List<JsonNode> ofKey = new ArrayList<>();
        await(count + " ended rollouts of " + key, TIMEOUT, () -> {
            ofKey.clear();
            String page = given().queryParam("limit", 100).get("/rollouts").then().statusCode(200).extract().asString();
            readTree(page).path("items").forEach(item -> {
                if (bucket.equals(item.path("bucket").asText()) && key.equals(item.path("key").asText())) {
                    ofKey.add(item);
                }
            });
            return ofKey.size() == count && ofKey.stream().noneMatch(item -> "RUNNING".equals(item.path("status").asText()));
        });
        return ofKey;
    }

    private static JsonNode readTree(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private String unversionedBucketNotifyingTheQueue() {
        String bucket = "rollback-" + UUID.randomUUID();
        s3.createBucket(r -> r.bucket(bucket));
        String queueArn = sqs.getQueueAttributes(r -> r.queueUrl(queueUrls.urlOf(config.queue()))
                .attributeNames(QueueAttributeName.QUEUE_ARN)).attributes().get(QueueAttributeName.QUEUE_ARN);
        s3.putBucketNotificationConfiguration(r -> r.bucket(bucket).notificationConfiguration(n -> n
                .queueConfigurations(q -> q.id("rollback").queueArn(queueArn).events(Event.S3_OBJECT_CREATED))));
        return bucket;
    }

    private static byte[] bytes(int size, long seed) {
        byte[] content = new byte[size];
        new Random(seed ^ System.nanoTime()).nextBytes(content);
        return content;
    }
}
