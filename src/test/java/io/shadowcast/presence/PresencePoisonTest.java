package io.shadowcast.presence;

import static io.shadowcast.presence.PresenceFixture.await;
import static io.shadowcast.presence.PresenceFixture.uniqueThing;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.shadowcast.aws.QueueUrls;
import io.shadowcast.config.PresenceConfig;
import io.shadowcast.testing.DeadLetters;
import io.shadowcast.testing.LogCapture;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;

/** Bad input on the presence queue: each malformed message ends in the DLQ, logged once, and the consumer keeps going. */
@QuarkusTest
class PresencePoisonTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Inject SqsClient sqs;
    @Inject QueueUrls queueUrls;
    @Inject PresenceConfig config;
    @Inject CheckStore store;

    @Test
    void malformedEventsGoToTheDeadLetterQueueLoggedOnceAndAGoodOneAfterThemIsStillScheduled() {
        String marker = UUID.randomUUID().toString();
        long now = System.currentTimeMillis();
        Map<String, String> poison = new LinkedHashMap<>();
        poison.put("not json", "connected=false " + marker);
        poison.put("wrong shape", "[\"" + marker + "\"]");
        poison.put("neither kind", "{\"thingName\":\"t-" + marker + "\",\"state\":\"gone\"}");
        poison.put("unknown eventType", "{\"clientId\":\"t-" + marker + "\",\"timestamp\":" + now
                + ",\"eventType\":\"subscribed\",\"topics\":[\"a/b\"]}");
        poison.put("odd thing name", "{\"thingName\":\"bad name/#" + marker + "\",\"connected\":false,\"timestamp\":"
                + now / 1000 + "}");
        poison.put("thing name too long", "{\"thingName\":\"" + marker + "x".repeat(128) + "\",\"connected\":false,"
                + "\"timestamp\":" + now / 1000 + "}");
        poison.put("lifecycle time in the future", PresenceFlowTest.lifecycleEvent("t-" + marker, "disconnected",
                now + Duration.ofDays(1).toMillis(), null));
        poison.put("shadow time older than the retention", "{\"thingName\":\"t-" + marker
                + "\",\"connected\":false,\"timestamp\":" + (now / 1000 - Duration.ofDays(30).toSeconds()) + "}");
        // just under the SQS maximum of 256 KiB
        poison.put("huge", "{\"marker\":\"" + marker + "\",\"pad\":\"" + "x".repeat(250 * 1024) + "\"}");
        String queue = queueUrls.urlOf(config.queue());
        String thing = uniqueThing("after-poison");

        try (LogCapture log = new LogCapture()) {
            Map<String, String> ids = new LinkedHashMap<>();
            poison.forEach((what, body) -> ids.put(
                    sqs.sendMessage(r -> r.queueUrl(queue).messageBody(body)).messageId(), what));
            sqs.sendMessage(r -> r.queueUrl(queue).messageBody(PresenceFlowTest.lifecycleEvent(thing, "disconnected",
                    System.currentTimeMillis(), "CONNECTION_LOST")));

            await("the good event after the malformed ones scheduled", TIMEOUT, () -> store.get(thing).isPresent());
            DeadLetters.awaitAll(sqs, queueUrls.urlOf(config.queue() + "-dlq"), marker, poison.values(), TIMEOUT);
            DeadLetters.assertWarnedOnceEach(log, ids);
            assertThat(log.texts()).as("the huge body is not logged")
                    .noneMatch(text -> text.contains("x".repeat(1024)));
        } finally {
            store.cancel(thing);
        }
    }
}
