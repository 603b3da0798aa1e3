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
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;
import software.amazon.awssdk.services.iotdataplane.IotDataPlaneClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/** Provisioning a second time against the same emulator changes nothing; tables from an earlier version get what they miss. */
@QuarkusTest
@TestProfile(ConsumersOff.class)
class ProvisionerTest {

    @Inject Provisioner provisioner;
    @Inject TableProvisioner tables;
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

    @Test
    void tablesAnEarlierVersionCreatedWithoutTimeToLiveGetItOnExpiresAt() {
        String suffix = UUID.randomUUID().toString();
        Map<String, Consumer<String>> provisioners = Map.of("old-checks-" + suffix, tables::checksTable,
                "old-rollouts-" + suffix, tables::rolloutsTable, "old-ledger-" + suffix, tables::ledgerTable);
        for (String table : provisioners.keySet()) {
            dynamo.createTable(r -> r.tableName(table).billingMode(BillingMode.PAY_PER_REQUEST)
                    .attributeDefinitions(a -> a.attributeName("id").attributeType(ScalarAttributeType.S))
                    .keySchema(k -> k.attributeName("id").keyType(KeyType.HASH)));
            assertThat(timeToLive(table).timeToLiveStatus()).as(table).isEqualTo(TimeToLiveStatus.DISABLED);
        }

        provisioners.forEach((table, provision) -> provision.accept(table));

        for (String table : provisioners.keySet()) {
            assertThat(timeToLive(table).timeToLiveStatus()).as(table).isEqualTo(TimeToLiveStatus.ENABLED);
            assertThat(timeToLive(table).attributeName()).as(table).isEqualTo(TableProvisioner.EXPIRES_AT);
        }
    }

    private TimeToLiveDescription timeToLive(String table) {
        return dynamo.describeTimeToLive(r -> r.tableName(table)).timeToLiveDescription();
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
