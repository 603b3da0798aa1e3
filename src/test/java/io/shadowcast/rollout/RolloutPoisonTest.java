package io.shadowcast.rollout;

import static io.shadowcast.rollout.RolloutFixture.await;
import static io.shadowcast.rollout.RolloutFixture.awaitFinal;
import static io.shadowcast.rollout.RolloutFixture.desiredS3;
import static io.shadowcast.rollout.RolloutFixture.rolloutConsumer;
import static io.shadowcast.rollout.RolloutFixture.upload;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.shadowcast.aws.QueueUrls;
import io.shadowcast.config.RolloutConfig;
import io.shadowcast.sqs.ConsumerStats;
import io.shadowcast.sqs.SqsConsumers;
import io.shadowcast.testing.DeadLetters;
import io.shadowcast.testing.LogCapture;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.iotdataplane.IotDataPlaneClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/** Bad input on the rollout queue: each message ends where it belongs and the consumer keeps going. */
@QuarkusTest
class RolloutPoisonTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Inject S3Client s3;
    @Inject SqsClient sqs;
    @Inject IotDataPlaneClient iotData;
    @Inject RolloutStore store;
    @Inject RolloutConfig config;
    @Inject QueueUrls queueUrls;
    @Inject SqsConsumers consumers;

    @Test
    void malformedMessagesGoToTheDeadLetterQueueLoggedOnceAndAGoodOneAfterThemIsStillRolledOut() {
        String marker = UUID.randomUUID().toString();
        Map<String, String> poison = new LinkedHashMap<>();
        poison.put("not json", "<xml>" + marker + "</xml>");
        poison.put("wrong shape", "{\"marker\":\"" + marker + "\",\"Records\":\"none\"}");
        poison.put("record without s3", "{\"Records\":[{\"eventName\":\"ObjectCreated:Put\",\"marker\":\"" + marker + "\"}]}");
        poison.put("key not URL-encoded", "{\"Records\":[{\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\""
                + config.bucket() + "\"},\"object\":{\"key\":\"bad%zz" + marker + "\"}}}]}");
        // just under the SQS maximum of 256 KiB
        poison.put("huge", "{\"marker\":\"" + marker + "\",\"pad\":\"" + "x".repeat(250 * 1024) + "\"}");
        ConsumerStats stats = rolloutConsumer(consumers);
        long poisonBefore = stats.poison();

        try (LogCapture log = new LogCapture()) {
            Map<String, String> ids = new LinkedHashMap<>();
            poison.forEach((what, body) -> ids.put(send(body), what));
            var good = upload(s3, config.bucket(), "after-poison/" + marker + ".bin", 100, Map.of());

            assertThat(awaitFinal(store, good, TIMEOUT).status()).isEqualTo(RolloutStatus.SUCCEEDED);
            DeadLetters.awaitAll(sqs, queueUrls.urlOf(config.queue() + "-dlq"), marker, poison.values(), TIMEOUT);
            assertThat(stats.poison() - poisonBefore).isGreaterThanOrEqualTo(poison.size());
            DeadLetters.assertWarnedOnceEach(log, ids);
            assertThat(log.texts()).as("the huge body is not logged")
                    .noneMatch(text -> text.contains("x".repeat(1024)));
        }
    }

    @Test
    void removalEventsAreAcknowledgedWithoutARollout() {
        String key = "removed/" + UUID.randomUUID();
        ConsumerStats stats = rolloutConsumer(consumers);
        long deletedBefore = stats.deleted();
        long poisonBefore = stats.poison();
        long failedBefore = stats.failed();

        send("{\"Records\":[{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectRemoved:Delete\","
                + "\"s3\":{\"bucket\":{\"name\":\"" + config.bucket() + "\"},\"object\":{\"key\":\"" + key + "\"}}}]}");

        await("the removal event to be deleted", TIMEOUT, () -> stats.deleted() > deletedBefore);
        assertThat(stats.poison()).isEqualTo(poisonBefore);
        assertThat(stats.failed()).isEqualTo(failedBefore);
        assertThat(store.list(100, null).items()).noneMatch(record -> key.equals(record.key()));
    }

    @Test
    void keyWithReservedAndControlLikeCharactersIsRolledOutIntact() {
        String key = "odd/" + UUID.randomUUID() + " %41 #?&=;,'\"()[]{}!$@^`|~<>\\ 🚀 ä.bin";
        var uploaded = upload(s3, config.bucket(), key, 64, Map.of());

        RolloutRecord record = awaitFinal(store, uploaded, TIMEOUT);

        assertThat(record.status()).isEqualTo(RolloutStatus.SUCCEEDED);
        assertThat(record.key()).isEqualTo(key);
        assertThat(record.hash()).isEqualTo(uploaded.sha256());
        String shadow = iotData.getThingShadow(r -> r.thingName("shadowcast-demo-3")).payload().asUtf8String();
        assertThat(desiredS3(shadow).path("url").asText()).isEqualTo(uploaded.object().url());
    }

    private String send(String body) {
        return sqs.sendMessage(r -> r.queueUrl(queueUrls.urlOf(config.queue())).messageBody(body)).messageId();
    }
}
