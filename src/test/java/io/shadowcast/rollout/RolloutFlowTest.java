package io.shadowcast.rollout;

import static io.shadowcast.rollout.RolloutFixture.await;
import static io.shadowcast.rollout.RolloutFixture.awaitFinal;
import static io.shadowcast.rollout.RolloutFixture.desiredS3;
import static io.shadowcast.rollout.RolloutFixture.rolloutConsumer;
import static io.shadowcast.rollout.RolloutFixture.s3Event;
import static io.shadowcast.rollout.RolloutFixture.upload;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.shadowcast.aws.QueueUrls;
import io.shadowcast.config.RolloutConfig;
import io.shadowcast.sqs.ConsumerStats;
import io.shadowcast.sqs.SqsConsumers;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iotdataplane.IotDataPlaneClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/** The whole flow on the emulator: S3 → SQS → rollout consumer → every thing's shadow and the rollout record. */
@QuarkusTest
class RolloutFlowTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(45);
    private static final List<String> DEMO_THINGS = List.of("shadowcast-demo-1", "shadowcast-demo-2", "shadowcast-demo-3");

    @Inject S3Client s3;
    @Inject SqsClient sqs;
    @Inject IotClient iot;
    @Inject IotDataPlaneClient iotData;
    @Inject RolloutStore store;
    @Inject RolloutConfig config;
    @Inject QueueUrls queueUrls;
    @Inject SqsConsumers consumers;

    @Test
    void puttingAnObjectWritesUrlAndHashIntoEveryShadow() {
        long things = iot.listThingsPaginator(r -> r.maxResults(250)).things().stream().count();

        var uploaded = upload(s3, config.bucket(), "firmware/" + UUID.randomUUID() + ".bin", 300_000, Map.of());
        RolloutRecord record = awaitFinal(store, uploaded, TIMEOUT);

        assertThat(record.status()).isEqualTo(RolloutStatus.SUCCEEDED);
        assertThat(record.hash()).isEqualTo(uploaded.sha256());
        assertThat(record.size()).isEqualTo(300_000);
        assertThat(record.versionId()).isEqualTo(uploaded.versionId()).isNotNull();
        assertThat(record.counts()).isEqualTo(new RolloutCounts(things, things, 0, 0, 0));
        assertThat(record.target()).isEqualTo("all things");
        assertThat(record.endedAt()).isAfterOrEqualTo(record.startedAt());
        for (String thing : DEMO_THINGS) {
            JsonNode s3Field = desiredS3(shadowOf(thing));
            assertThat(s3Field.path("url").asText()).as(thing).isEqualTo(uploaded.object().url());
            assertThat(s3Field.path("hash").asText()).as(thing).isEqualTo(uploaded.sha256());
        }
    }

    @Test
    void keyPrefixTargetsAThingGroupOnly() {
        String group = "line-" + UUID.randomUUID().toString().substring(0, 8);
        List<String> members = List.of(group + "-a", group + "-b");
        iot.createThingGroup(r -> r.thingGroupName(group));
        for (String thing : members) {
            iot.createThing(r -> r.thingName(thing));
            iot.addThingToThingGroup(r -> r.thingGroupName(group).thingName(thing));
        }
        try {
            var uploaded = upload(s3, config.bucket(), "groups/" + group + "/fw.bin", 2_000, Map.of());
            RolloutRecord record = awaitFinal(store, uploaded, TIMEOUT);

            assertThat(record.status()).isEqualTo(RolloutStatus.SUCCEEDED);
            assertThat(record.target()).isEqualTo("thing group " + group);
            assertThat(record.counts()).isEqualTo(new RolloutCounts(2, 2, 0, 0, 0));
            for (String thing : members) {
                assertThat(desiredS3(shadowOf(thing)).path("hash").asText()).as(thing).isEqualTo(uploaded.sha256());
            }
            assertThat(desiredS3(shadowOf("shadowcast-demo-1")).path("hash").asText()).isNotEqualTo(uploaded.sha256());
        } finally {
            members.forEach(thing -> iot.deleteThing(r -> r.thingName(thing)));
        }
    }

    @Test
    void keyWithSpacesPlusAndUnicodeArrivesIntact() {
        String key = "dir " + UUID.randomUUID() + "/red flower+1 été ☃.bin";

        var uploaded = upload(s3, config.bucket(), key, 1_000, Map.of());
        RolloutRecord record = awaitFinal(store, uploaded, TIMEOUT);

        assertThat(record.status()).isEqualTo(RolloutStatus.SUCCEEDED);
        assertThat(record.key()).isEqualTo(key);
        assertThat(desiredS3(shadowOf("shadowcast-demo-1")).path("url").asText())
                .isEqualTo("s3://" + config.bucket() + "/" + key);
    }

    @Test
    void eachVersionOfAKeyIsHashedFromExactlyThatVersion() {
        String key = "versioned/" + UUID.randomUUID() + ".bin";

        var first = upload(s3, config.bucket(), key, 2_000, Map.of());
        var second = upload(s3, config.bucket(), key, 3_000, Map.of());

        assertThat(first.versionId()).isNotNull().isNotEqualTo(second.versionId());
        RolloutRecord firstRecord = awaitFinal(store, first, TIMEOUT);
        RolloutRecord secondRecord = awaitFinal(store, second, TIMEOUT);
        assertThat(firstRecord.hash()).isEqualTo(first.sha256());
        assertThat(firstRecord.size()).isEqualTo(2_000);
        assertThat(firstRecord.versionId()).isEqualTo(first.versionId());
        assertThat(secondRecord.hash()).isEqualTo(second.sha256());
        assertThat(secondRecord.versionId()).isEqualTo(second.versionId());
    }

    @Test
    void snsWrappedEventIsUnwrapped() {
        String bucket = scratchBucket();
        var uploaded = upload(s3, bucket, "via-sns/" + UUID.randomUUID() + " x.bin", 4_096, Map.of());

        send(RolloutFixture.snsEnvelope(s3Event(uploaded.upload())));

        RolloutRecord record = awaitFinal(store, uploaded, TIMEOUT);
        assertThat(record.status()).isEqualTo(RolloutStatus.SUCCEEDED);
        assertThat(record.hash()).isEqualTo(uploaded.sha256());
    }

    @Test
    void testEventIsAcknowledgedAndNothingElseHappens() {
        ConsumerStats stats = rolloutConsumer(consumers);
        long deletedBefore = stats.deleted();
        long poisonBefore = stats.poison();
        long failedBefore = stats.failed();

        send("{\"Service\":\"Amazon S3\",\"Event\":\"s3:TestEvent\",\"Time\":\"2024-01-01T00:00:00.000Z\","
                + "\"Bucket\":\"" + config.bucket() + "\",\"RequestId\":\"" + UUID.randomUUID() + "\"}");

        await("the test event to be deleted", TIMEOUT, () -> stats.deleted() > deletedBefore);
        assertThat(stats.poison()).isEqualTo(poisonBefore);
        assertThat(stats.failed()).isEqualTo(failedBefore);
    }

    @Test
    void nonJsonMessageEndsInTheDeadLetterQueueAndConsumptionGoesOn() {
        String poison = "not json " + UUID.randomUUID();
        String dlq = queueUrls.urlOf(config.queue() + "-dlq");

        send(poison);
        var uploaded = upload(s3, config.bucket(), "after-poison/" + UUID.randomUUID(), 10, Map.of());

        assertThat(awaitFinal(store, uploaded, TIMEOUT).status()).isEqualTo(RolloutStatus.SUCCEEDED);
        await("the poison message in the DLQ", TIMEOUT, () -> sqs.receiveMessage(r -> r.queueUrl(dlq)
                .maxNumberOfMessages(10).waitTimeSeconds(1)).messages().stream().map(Message::body).anyMatch(poison::equals));
    }

    @Test
    void objectDeletedBeforeTheRolloutEndsFailedWithoutRetries() {
        String bucket = scratchBucket();
        var uploaded = upload(s3, bucket, "gone/" + UUID.randomUUID(), 100, Map.of());
        s3.deleteObject(r -> r.bucket(bucket).key(uploaded.object().key()));
        ConsumerStats stats = rolloutConsumer(consumers);
        long failedBefore = stats.failed();
        long deletedBefore = stats.deleted();

        send(s3Event(uploaded.upload()));

        RolloutRecord record = awaitFinal(store, uploaded, TIMEOUT);
        assertThat(record.status()).isEqualTo(RolloutStatus.FAILED);
        assertThat(record.reason()).contains("no longer exists");
        assertThat(record.counts()).isEqualTo(RolloutCounts.ZERO);
        await("the message to be deleted", TIMEOUT, () -> stats.deleted() > deletedBefore);
        assertThat(stats.failed()).isEqualTo(failedBefore);
    }

    @Test
    void redeliveredEventOfAFinishedRolloutDoesNoWork() {
        var uploaded = upload(s3, scratchBucket(), "twice/" + UUID.randomUUID(), 10, Map.of());
        send(s3Event(uploaded.upload()));
        RolloutRecord first = awaitFinal(store, uploaded, TIMEOUT);
        long shadowVersion = shadowVersion("shadowcast-demo-2");
        ConsumerStats stats = rolloutConsumer(consumers);
        long deletedBefore = stats.deleted();

        send(s3Event(uploaded.upload()));

        await("the duplicate to be deleted", TIMEOUT, () -> stats.deleted() > deletedBefore);
        assertThat(store.get(first.id())).contains(first);
        assertThat(shadowVersion("shadowcast-demo-2")).isEqualTo(shadowVersion);
    }

    private String shadowOf(String thing) {
        return iotData.getThingShadow(r -> r.thingName(thing)).payload().asUtf8String();
    }

    private long shadowVersion(String thing) {
        try {
            return new ObjectMapper().readTree(shadowOf(thing)).path("version").asLong();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A bucket without notifications, for events the test sends itself. */
    private String scratchBucket() {
        String bucket = "scratch-" + UUID.randomUUID();
        s3.createBucket(r -> r.bucket(bucket));
        return bucket;
    }

    private void send(String body) {
        sqs.sendMessage(r -> r.queueUrl(queueUrls.urlOf(config.queue())).messageBody(body));
    }
}
