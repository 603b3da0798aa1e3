package io.shadowcast.aws;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.Topic;

/** Turns a configured topic (an ARN or a name) into its ARN by listing the account's topics once. */
@ApplicationScoped
public class TopicArns {

    private final SnsClient sns;
    private final Map<String, String> resolved = new ConcurrentHashMap<>();

    TopicArns(SnsClient sns) {
        this.sns = sns;
    }

    public String arnOf(String topic) {
        if (topic.startsWith("arn:")) {
            return topic;
        }
        return resolved.computeIfAbsent(topic, this::find);
    }

    private String find(String name) {
        return sns.listTopicsPaginator().topics().stream()
                .map(Topic::topicArn)
                .filter(arn -> arn.endsWith(":" + name))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("SNS topic not found: " + name));
    }
}
