package io.shadowcast.converge;

import static io.shadowcast.converge.LedgerFixture.applied;
import static io.shadowcast.converge.LedgerFixture.await;
import static io.shadowcast.converge.LedgerFixture.failed;
import static io.shadowcast.converge.LedgerFixture.hashedRollout;
import static io.shadowcast.converge.LedgerFixture.things;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.shadowcast.aws.QueueUrls;
import io.shadowcast.config.ConvergeConfig;
import io.shadowcast.rollout.DeviceLedger;
import io.shadowcast.rollout.DeviceLedger.Convergence;
import io.shadowcast.rollout.RolloutStore;
import io.shadowcast.testing.DeadLetters;
import io.shadowcast.testing.LogCapture;
import io.shadowcast.testing.SimulatedIot;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;

/** Reports through the report queue: counted once however often they come, poison to the DLQ, logged once. */
@QuarkusTest
@TestProfile(ShortConfirm.class)
class ReportConsumerTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String SHADOW = SimulatedIot.SHADOW;

    @Inject SqsClient sqs;
    @Inject QueueUrls queueUrls;
    @Inject ConvergeConfig config;
    @Inject DeviceLedger ledger;
    @Inject RolloutStore rollouts;
    @Inject MeterRegistry registry;

    @Test
    void aReportDeliveredThreeTimesIsCountedOnceAndReportsOfOtherShadowsCountForNothing() {
        var rollout = hashedRollout(rollouts);
        List<String> fleet = things("queued", 6);
        ledger.willWriteCounted(rollout.id(), 0, fleet);
        double appliedBefore = registry.counter("shadowcast.converge.things", "status", "applied").count();
        String queue = queueUrls.urlOf(config.queue());

        for (int copy = 0; copy < 3; copy++) {
            for (String thing : fleet.subList(0, 4)) {
                send(queue, applied(thing, SHADOW, rollout.url(), rollout.hash()));
            }
            send(queue, failed(fleet.get(4), SHADOW, rollout.url(), rollout.hash(), "checksum mismatch"));
        }
        send(queue, applied(fleet.get(5), null, rollout.url(), rollout.hash()));
        send(queue, applied(fleet.get(5), "other-shadow", rollout.url(), rollout.hash()));

        await("4 applied and 1 failed", TIMEOUT, () -> ledger.convergence(rollout.id()).equals(new Convergence(6, 4, 1, 0)));
        await("the queue drained", TIMEOUT, () -> empty(queue));
        assertThat(ledger.convergence(rollout.id())).isEqualTo(new Convergence(6, 4, 1, 0));
        assertThat(registry.counter("shadowcast.converge.things", "status", "applied").count() - appliedBefore)
                .isEqualTo(4);
    }

    @Test
    void malformedReportsGoToTheDeadLetterQueueLoggedOnceAndAGoodOneAfterThemIsCounted() {
        var rollout = hashedRollout(rollouts);
        String thing = things("after-poison", 1).get(0);
        ledger.willWriteCounted(rollout.id(), 0, List.of(thing));
        String marker = UUID.randomUUID().toString();
        Map<String, String> poison = new LinkedHashMap<>();
        poison.put("not json", "hash=" + marker);
        poison.put("no thing name", "{\"reported\":{\"hash\":\"" + marker + "\"}}");
        poison.put("neither hash nor error", "{\"thingName\":\"t-" + marker + "\",\"reported\":{\"url\":\"s3://b/k\"}}");
        poison.put("invalid thing name", "{\"thingName\":\"a b " + marker + "\",\"reported\":{\"hash\":\"h\"}}");
        String queue = queueUrls.urlOf(config.queue());

        try (LogCapture log = new LogCapture()) {
            Map<String, String> ids = new LinkedHashMap<>();
            poison.forEach((what, body) -> ids.put(send(queue, body), what));
            send(queue, applied(thing, SHADOW, rollout.url(), rollout.hash()));

            await("the good report after the malformed ones counted", TIMEOUT,
                    () -> ledger.convergence(rollout.id()).applied() == 1);
            DeadLetters.awaitAll(sqs, queueUrls.urlOf(config.queue() + "-dlq"), marker, poison.values(), TIMEOUT);
            DeadLetters.assertWarnedOnceEach(log, ids);
        }
    }

    private String send(String queue, String body) {
        return sqs.sendMessage(r -> r.queueUrl(queue).messageBody(body)).messageId();
    }

    private boolean empty(String queue) {
        var attributes = sqs.getQueueAttributes(r -> r.queueUrl(queue).attributeNamesWithStrings(
                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")).attributesAsStrings();
        return "0".equals(attributes.get("ApproximateNumberOfMessages"))
                && "0".equals(attributes.get("ApproximateNumberOfMessagesNotVisible"));
    }
}
