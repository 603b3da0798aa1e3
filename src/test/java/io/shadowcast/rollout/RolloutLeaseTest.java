package io.shadowcast.rollout;

import static io.shadowcast.rollout.RolloutFixture.await;
import static io.shadowcast.rollout.RolloutFixture.awaitFinal;
import static io.shadowcast.rollout.RolloutFixture.rolloutConsumer;
import static io.shadowcast.rollout.RolloutFixture.s3Event;
import static io.shadowcast.rollout.RolloutFixture.upload;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.shadowcast.aws.QueueUrls;
import io.shadowcast.config.RolloutConfig;
import io.shadowcast.sqs.ConsumerStats;
import io.shadowcast.sqs.SqsConsumers;
import io.shadowcast.testing.IotSimulator;
import io.shadowcast.testing.SimulatedIot;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/** The rollout lease holds from the claim on: a digest far longer than the lease loses nothing to a second worker. */
@QuarkusTest
@TestProfile(SimulatedIot.class)
class RolloutLeaseTest {

    @Inject S3Client s3;
    @Inject SqsClient sqs;
    @Inject QueueUrls queueUrls;
    @Inject RolloutConfig config;
    @Inject RolloutStore store;
    @Inject SqsConsumers consumers;
    IotSimulator iot;

    @Test
    void aDigestThatTakesThreeLeasesKeepsItsRolloutAndADuplicateMessageIsSentAgainForLater() {
        iot.setFaults(IotSimulator.Faults.NONE);
        String bucket = "lease-" + UUID.randomUUID();
        s3.createBucket(r -> r.bucket(bucket));
        var uploaded = upload(s3, bucket, "huge.bin", 1_000, Map.of());
        Duration hashing = config.lease().multipliedBy(3);
        QuarkusMock.installMockForType(RolloutFixture.slowFirstDigestOf(s3, "huge.bin", hashing), ObjectDigest.class);
        String id = uploaded.upload().rolloutId();
        ConsumerStats stats = rolloutConsumer(consumers);
        long sentAgainBefore = stats.sentAgain();

        send(s3Event(uploaded.upload()));
        await("the rollout to be claimed", Duration.ofSeconds(30), () -> store.get(id).isPresent());
        long claimed = System.nanoTime();
        send(s3Event(uploaded.upload()));
        await("the duplicate message to be sent again for later", Duration.ofSeconds(10),
                () -> stats.sentAgain() > sentAgainBefore);
        assertThat(store.get(id).orElseThrow().hash()).as("handed back while the object is still being hashed").isNull();
        while (System.nanoTime() - claimed < hashing.minusMillis(500).toNanos()) {
            var intruder = store.claim(uploaded.upload(), "second-worker-" + UUID.randomUUID());
            assertThat(intruder).as("a second worker %.1f s into the digest", (System.nanoTime() - claimed) / 1e9)
                    .isInstanceOf(RolloutStore.Claim.Busy.class);
            RolloutFixture.sleep(250);
        }
        RolloutRecord record = awaitFinal(store, id, Duration.ofSeconds(60));

        int things = iot.thingNames().size();
        assertThat(record.status()).isEqualTo(RolloutStatus.SUCCEEDED);
        assertThat(record.hash()).isEqualTo(uploaded.sha256());
        assertThat(record.counts()).isEqualTo(new RolloutCounts(things, things, 0, 0, 0));
    }

    private void send(String body) {
        sqs.sendMessage(r -> r.queueUrl(queueUrls.urlOf(config.queue())).messageBody(body));
    }
}
