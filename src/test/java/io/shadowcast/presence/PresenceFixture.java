package io.shadowcast.presence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iotdataplane.IotDataPlaneClient;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** What the presence tests do against the emulator: things and shadows, the alert subscription, waiting. */
final class PresenceFixture {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One alert or recovery notice as a subscriber of the topic receives it. */
    record Alert(String subject, String message, Map<String, String> attributes) {

        String thingName() {
            return attributes.get("thingName");
        }
    }

    private final SqsClient sqs;
    private final SnsClient sns;
    private final IotClient iot;
    private final IotDataPlaneClient iotData;

    PresenceFixture(SqsClient sqs, SnsClient sns, IotClient iot, IotDataPlaneClient iotData) {
        this.sqs = sqs;
        this.sns = sns;
        this.iot = iot;
        this.iotData = iotData;
    }

    static String uniqueThing(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A thing whose shadow reports {@code connected}; returns the shadow's metadata timestamp (epoch s). */
    long thingReporting(String thingName, boolean connected) {
        iot.createThing(r -> r.thingName(thingName));
        return report(thingName, connected);
    }

    long report(String thingName, boolean connected) {
        iotData.updateThingShadow(r -> r.thingName(thingName)
                .payload(SdkBytes.fromUtf8String("{\"state\":{\"reported\":{\"connected\":" + connected + "}}}")));
        JsonNode shadow = readJson(iotData.getThingShadow(r -> r.thingName(thingName)).payload().asUtf8String());
        return shadow.path("metadata").path("reported").path("connected").path("timestamp").asLong();
    }

    /** A new queue subscribed to the topic: every alert published from now on lands in it. */
    String subscribe(String topicArn) {
        String url = sqs.createQueue(r -> r.queueName("alerts-" + UUID.randomUUID())).queueUrl();
        String arn = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        sns.subscribe(r -> r.topicArn(topicArn).protocol("sqs").endpoint(arn));
        return url;
    }

    /**
     * Everything on the queue now (SNS delivers to SQS within the publish call). What it reads stays
     * invisible for an hour, far beyond any test, which spares a delete per message.
     */
    List<Alert> drain(String queueUrl) {
        List<Alert> alerts = new ArrayList<>();
        while (true) {
            var messages = sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(0)
                    .visibilityTimeout(3600)).messages();
            if (messages.isEmpty()) {
                return alerts;
            }
            messages.forEach(message -> alerts.add(toAlert(readJson(message.body()))));
        }
    }

    /** Alerts about one thing, drained from the queue (other things' alerts are dropped). */
    List<Alert> alertsFor(String queueUrl, String thingName) {
        return drain(queueUrl).stream().filter(a -> thingName.equals(a.thingName())).toList();
    }

    void send(String queueUrl, String body) {
        sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(body));
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }

    private static Alert toAlert(JsonNode envelope) {
        Map<String, String> attributes = new java.util.HashMap<>();
        envelope.path("MessageAttributes").fields()
                .forEachRemaining(e -> attributes.put(e.getKey(), e.getValue().path("Value").asText()));
        return new Alert(envelope.path("Subject").asText(), envelope.path("Message").asText(), attributes);
    }

    private static JsonNode readJson(String text) {
        try {
            return JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
