package io.shadowcast.reliability;

import io.shadowcast.testing.TestClients;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/** Lifecycle disconnect events on the presence queue, shaped as the IoT rule delivers them. */
final class PresenceEvents {

    private PresenceEvents() {
    }

    static void disconnect(TestClients aws, String thing, long millis) {
        disconnectAll(aws, List.of(thing), millis);
    }

    /** One disconnect per thing, ten per call. */
    static void disconnectAll(TestClients aws, List<String> things, long millis) {
        String queue = aws.sqs().getQueueUrl(r -> r.queueName("shadowcast-presence")).queueUrl();
        List<SendMessageBatchRequestEntry> batch = new ArrayList<>();
        for (String thing : things) {
            String body = Fleet.JSON.createObjectNode().put("clientId", thing).put("timestamp", millis)
                    .put("eventType", "disconnected").put("disconnectReason", "CONNECTION_LOST")
                    .put("versionNumber", 1).toString();
            batch.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(batch.size())).messageBody(body).build());
            if (batch.size() == 10) {
                List<SendMessageBatchRequestEntry> entries = List.copyOf(batch);
                aws.sqs().sendMessageBatch(r -> r.queueUrl(queue).entries(entries));
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            List<SendMessageBatchRequestEntry> entries = List.copyOf(batch);
            aws.sqs().sendMessageBatch(r -> r.queueUrl(queue).entries(entries));
        }
    }
}
