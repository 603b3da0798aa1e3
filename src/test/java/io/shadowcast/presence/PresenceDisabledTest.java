package io.shadowcast.presence;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.shadowcast.aws.QueueUrls;
import io.shadowcast.config.PresenceConfig;
import io.shadowcast.testing.ConsumersOff;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;

/** A replica with {@code shadowcast.presence.enabled=false} neither consumes presence events nor polls. */
@QuarkusTest
@TestProfile(ConsumersOff.class)
class PresenceDisabledTest {

    @Inject CheckStore store;
    @Inject PresenceConfig config;
    @Inject SqsClient sqs;
    @Inject QueueUrls queueUrls;

    @Test
    void disabledReplicaLeavesQueueAndDueChecksAlone() throws InterruptedException {
        String thing = PresenceFixture.uniqueThing("idle");
        store.schedule(thing, Instant.now().minus(config.grace()).minusSeconds(60), CheckSource.MANUAL, Optional.empty());
        String queue = queueUrls.urlOf(config.queue());
        sqs.sendMessage(r -> r.queueUrl(queue).messageBody(PresenceFlowTest.lifecycleEvent(thing, "connected",
                System.currentTimeMillis(), null)));

        Thread.sleep(config.pollInterval().plus(Duration.ofSeconds(1)).toMillis());

        assertThat(store.get(thing)).as("due, but not polled").isPresent();
        var ours = sqs.receiveMessage(r -> r.queueUrl(queue).maxNumberOfMessages(10).waitTimeSeconds(1)).messages()
                .stream().filter(m -> m.body().contains(thing)).toList();
        assertThat(ours).as("not consumed").hasSize(1);
        sqs.deleteMessage(r -> r.queueUrl(queue).receiptHandle(ours.get(0).receiptHandle()));
        store.cancel(thing);
    }
}
