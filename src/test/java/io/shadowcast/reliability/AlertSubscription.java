package io.shadowcast.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import io.shadowcast.testing.TestClients;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * A queue subscribed to the alert topic, as an operator's subscription would be: every alert the service
 * JVMs publish lands in it. Messages read stay in the queue (invisible for an hour), so a FIFO queue's
 * deduplication still sees them.
 */
final class AlertSubscription {

    private final TestClients aws;
    private final String queueUrl;
    private final List<JsonNode> received = new ArrayList<>();

    private AlertSubscription(TestClients aws, String queueUrl) {
        this.aws = aws;
        this.queueUrl = queueUrl;
    }

    /** Subscribes to {@code topicName}, creating it (FIFO when the name ends in .fifo) if needed. */
    static AlertSubscription to(TestClients aws, String topicName) {
        boolean fifo = topicName.endsWith(".fifo");
        String topic = aws.sns().createTopic(r -> r.name(topicName)
                .attributes(fifo ? Map.of("FifoTopic", "true") : Map.of())).topicArn();
        String url = aws.sqs().createQueue(r -> r.queueName("subscriber-" + UUID.randomUUID() + (fifo ? ".fifo" : ""))
                .attributesWithStrings(fifo ? Map.of("FifoQueue", "true") : Map.of())).queueUrl();
        String arn = aws.sqs().getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        aws.sns().subscribe(r -> r.topicArn(topic).protocol("sqs").endpoint(arn));
        return new AlertSubscription(aws, url);
    }

    /** Everything received so far (SNS envelopes), reading what arrived since the last call. */
    List<JsonNode> received() {
        while (true) {
            var messages = aws.sqs().receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(0)
                    .visibilityTimeout(3600)).messages();
            if (messages.isEmpty()) {
                return List.copyOf(received);
            }
            for (var message : messages) {
                try {
                    received.add(Fleet.JSON.readTree(message.body()));
                } catch (IOException e) {
                    throw new AssertionError("not an SNS envelope: " + message.body(), e);
                }
            }
        }
    }

    /** Things named in the alerts received so far, one entry per alert. */
    List<String> alertedThings() {
        return received().stream().filter(alert -> "disconnected".equals(attribute(alert, "event")))
                .map(alert -> attribute(alert, "thingName")).toList();
    }

    private static String attribute(JsonNode alert, String name) {
        return alert.path("MessageAttributes").path(name).path("Value").asText();
    }
}
