package io.shadowcast.provision;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.shadowcast.config.JoinConfig;
import io.shadowcast.config.PresenceConfig;
import io.shadowcast.config.RolloutConfig;
import io.shadowcast.testing.ConsumersOff;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.iotdataplane.IotDataPlaneClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/** Provisioning a second time against the same emulator changes nothing. */
@QuarkusTest
@TestProfile(ConsumersOff.class)
class ProvisionerTest {

    @Inject Provisioner provisioner;
    @Inject S3Client s3;
    @Inject SqsClient sqs;
    @Inject SnsClient sns;
    @Inject DynamoDbClient dynamo;
    @Inject IotDataPlaneClient iotData;
    @Inject RolloutConfig rollout;
    @Inject PresenceConfig presence;
    @Inject JoinConfig join;

    @Test
    void secondRunChangesNothing() {
        Snapshot before = snapshot();

        provisioner.provision();

        assertThat(snapshot()).isEqualTo(before);
        assertThat(before.notifications()).hasSize(1);
        assertThat(before.queues()).contains(rollout.queue(), rollout.queue() + "-dlq", presence.queue(), presence.queue() + "-dlq",
                join.queue(), join.queue() + "-dlq");
        assertThat(before.topics()).hasSize(1);
        assertThat(before.tables()).contains(rollout.table(), presence.table());
    }

    private Snapshot snapshot() {
        var notifications = s3.getBucketNotificationConfiguration(r -> r.bucket(rollout.bucket())).queueConfigurations()
                .stream().map(q -> q.queueArn() + q.eventsAsStrings()).toList();
        var queues = sqs.listQueues().queueUrls().stream().map(url -> url.substring(url.lastIndexOf('/') + 1))
                .filter(name -> name.startsWith("shadowcast-")).sorted().toList();
        var queueAttributes = sqs.listQueues().queueUrls().stream().sorted()
                .map(url -> sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNamesWithStrings("RedrivePolicy", "Policy"))
                        .attributesAsStrings())
                .toList();
        var topics = sns.listTopics().topics().stream().map(t -> t.topicArn()).toList();
        var tables = dynamo.listTables().tableNames();
        var shadowVersion = iotData.getThingShadow(r -> r.thingName("shadowcast-demo-1")).payload().asUtf8String()
                .replaceAll(".*\"version\":\\s*(\\d+).*", "$1");
        return new Snapshot(notifications, queues, queueAttributes, topics, tables, shadowVersion);
    }

    record Snapshot(List<String> notifications, List<String> queues, List<Map<String, String>> queueAttributes,
            List<String> topics, List<String> tables, String shadowVersion) {
    }
}
