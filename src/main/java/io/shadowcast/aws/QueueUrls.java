package io.shadowcast.aws;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.services.sqs.SqsClient;

/** Turns a configured queue (a name or a full URL) into its URL, asking SQS once per name. */
@ApplicationScoped
public class QueueUrls {

    private final SqsClient sqs;
    private final Map<String, String> resolved = new ConcurrentHashMap<>();

    QueueUrls(SqsClient sqs) {
        this.sqs = sqs;
    }

    public String urlOf(String queue) {
        if (isUrl(queue)) {
            return queue;
        }
        return resolved.computeIfAbsent(queue, name -> sqs.getQueueUrl(r -> r.queueName(name)).queueUrl());
    }

    static boolean isUrl(String queue) {
        return queue.startsWith("https://") || queue.startsWith("http://");
    }
}
