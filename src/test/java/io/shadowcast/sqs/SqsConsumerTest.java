package io.shadowcast.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.shadowcast.config.SqsConfig;
import io.shadowcast.testing.ConsumersOff;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** The shared consumer loop against a real (emulated) queue with a dead-letter queue. */
@QuarkusTest
@TestProfile(ConsumersOff.class)
class SqsConsumerTest {

    private static final int MAX_RECEIVES = 3;

    @Inject SqsClient sqs;

    private SqsConsumer consumer;
    private String queueUrl;
    private String dlqUrl;

    @AfterEach
    void stop() {
        if (consumer != null) {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    @Test
    void handledMessagesAreDeletedAndPoisonGoesToTheDeadLetterQueue() {
        createQueues();
        Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
        consumer = start(Duration.ofSeconds(30), message -> {
            attempts.computeIfAbsent(message.body(), b -> new AtomicInteger()).incrementAndGet();
            if (message.body().startsWith("poison")) {
                throw new PoisonMessageException("not JSON");
            }
        });

        for (int i = 0; i < 25; i++) {
            send("good-" + i);
        }
        send("poison-1");

        await().atMost(Duration.ofSeconds(30)).until(() -> bodies(dlqUrl).contains("poison-1"));
        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.stats().deleted() == 25);
        assertThat(attempts.get("poison-1")).hasValue(MAX_RECEIVES);
        assertThat(attempts).hasSize(26);
        assertThat(attempts.entrySet()).filteredOn(e -> e.getKey().startsWith("good"))
                .allSatisfy(e -> assertThat(e.getValue()).hasValue(1));
        assertThat(depth(queueUrl)).isZero();
    }

    @Test
    void failedMessageIsRetriedAfterItsVisibilityTimeoutWhileOthersFlow() {
        createQueues();
        AtomicInteger flaky = new AtomicInteger();
        AtomicInteger others = new AtomicInteger();
        consumer = start(Duration.ofSeconds(1), message -> {
            if (message.body().equals("flaky") && flaky.incrementAndGet() < 2) {
                throw new IllegalStateException("downstream unavailable");
            }
            others.incrementAndGet();
        });

        send("flaky");
        send("other");

        await().atMost(Duration.ofSeconds(20)).until(() -> consumer.stats().deleted() == 2);
        assertThat(flaky).hasValue(2);
        assertThat(consumer.stats().failed()).isEqualTo(1);
    }

    @Test
    void aMessageToComeBackLaterReturnsAfterItsVisibilityTimeoutAsOftenAsNeededAndNeverReachesTheDeadLetterQueue() {
        createQueues();
        AtomicInteger calls = new AtomicInteger();
        int waits = MAX_RECEIVES + 2;
        consumer = start(Duration.ofSeconds(1), message -> {
            if (calls.incrementAndGet() <= waits) {
                throw new ComeBackLaterException("rollout r1 is running on another worker");
            }
        });

        send("duplicate of a long rollout");

        await().atMost(Duration.ofSeconds(30))
                .until(() -> consumer.stats().deleted() >= waits + 1 || !bodies(dlqUrl).isEmpty());
        assertThat(bodies(dlqUrl)).as("the dead-letter queue").isEmpty();
        assertThat(calls).hasValue(waits + 1);
        assertThat(consumer.stats().sentAgain()).isEqualTo(waits);
        assertThat(consumer.stats().failed()).isZero();
        assertThat(depth(queueUrl)).isZero();
    }

    @Test
    void longRunningHandlerKeepsItsMessageInvisible() {
        createQueues();
        AtomicInteger calls = new AtomicInteger();
        consumer = start(Duration.ofSeconds(2), message -> {
            calls.incrementAndGet();
            Thread.sleep(6_000);
        });

        send("slow");

        await().atMost(Duration.ofSeconds(20)).until(() -> consumer.stats().deleted() == 1);
        assertThat(calls).hasValue(1);
    }

    private SqsConsumer start(Duration visibility, MessageHandler handler) {
        SqsConfig config = new TestSqsConfig(visibility);
        return new SqsConsumer("test", sqs, () -> queueUrl, handler, config, 4).start();
    }

    private void createQueues() {
        String name = "consumer-" + UUID.randomUUID();
        dlqUrl = sqs.createQueue(r -> r.queueName(name + "-dlq")).queueUrl();
        String dlqArn = sqs.getQueueAttributes(r -> r.queueUrl(dlqUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        queueUrl = sqs.createQueue(r -> r.queueName(name).attributes(Map.of(QueueAttributeName.REDRIVE_POLICY,
                "{\"deadLetterTargetArn\":\"" + dlqArn + "\",\"maxReceiveCount\":\"" + MAX_RECEIVES + "\"}")))
                .queueUrl();
    }

    private void send(String body) {
        sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(body));
    }

    private List<String> bodies(String url) {
        return sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).visibilityTimeout(0)).messages()
                .stream().map(Message::body).toList();
    }

    private int depth(String url) {
        var attributes = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
        return Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                + Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
    }

    private record TestSqsConfig(Duration visibilityTimeout) implements SqsConfig {
        public Duration waitTime() { return Duration.ofSeconds(1); }
        public Duration initialBackoff() { return Duration.ofMillis(100); }
        public Duration maxBackoff() { return Duration.ofSeconds(1); }
        public Duration shutdownGrace() { return Duration.ofSeconds(5); }
        public int rolloutConcurrency() { return 1; }
        public int presenceConcurrency() { return 1; }
    }
}
