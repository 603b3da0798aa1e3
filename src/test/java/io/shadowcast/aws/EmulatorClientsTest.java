package io.shadowcast.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.shadowcast.config.PresenceConfig;
import io.shadowcast.config.RolloutConfig;
import io.shadowcast.provision.TableProvisioner;
import io.shadowcast.testing.ConsumersOff;
import io.shadowcast.testing.MotoResource;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.ThingAttribute;
import software.amazon.awssdk.services.iotdataplane.IotDataPlaneClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** Every client the service uses reaches the emulator and does what the features need of it. */
@QuarkusTest
@QuarkusTestResource(MotoResource.class)
@TestProfile(ConsumersOff.class)
class EmulatorClientsTest {

    @Inject S3Client s3;
    @Inject SqsClient sqs;
    @Inject SnsClient sns;
    @Inject DynamoDbClient dynamo;
    @Inject IotClient iot;
    @Inject IotDataPlaneClient iotData;
    @Inject QueueUrls queueUrls;
    @Inject TopicArns topicArns;
    @Inject RolloutConfig rollout;
    @Inject PresenceConfig presence;

    @Test
    void s3PutAndGet() {
        String bucket = "connectivity-" + UUID.randomUUID();
        s3.createBucket(r -> r.bucket(bucket));
        s3.putObject(r -> r.bucket(bucket).key("dir/hello world.txt"), RequestBody.fromString("hello"));

        String body = s3.getObjectAsBytes(r -> r.bucket(bucket).key("dir/hello world.txt")).asUtf8String();

        assertThat(body).isEqualTo("hello");
    }

    @Test
    void bothQueuesSendAndReceive() {
        for (String queue : List.of(rollout.queue(), presence.queue())) {
            String url = queueUrls.urlOf(queue);
            String body = "{\"probe\":\"" + UUID.randomUUID() + "\"}";
            sqs.sendMessage(r -> r.queueUrl(url).messageBody(body));

            Message received = receive(url, body::equals);

            assertThat(received.body()).isEqualTo(body);
            sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(received.receiptHandle()));
        }
    }

    @Test
    void bothQueuesRedriveToTheirDeadLetterQueue() {
        for (String queue : List.of(rollout.queue(), presence.queue())) {
            String redrive = sqs.getQueueAttributes(r -> r.queueUrl(queueUrls.urlOf(queue))
                    .attributeNames(QueueAttributeName.REDRIVE_POLICY)).attributes().get(QueueAttributeName.REDRIVE_POLICY);

            assertThat(redrive).contains(queue + "-dlq").contains("\"maxReceiveCount\"");
        }
    }

    @Test
    void snsPublishReachesASubscribedQueue() throws Exception {
        String url = sqs.createQueue(r -> r.queueName("alerts-" + UUID.randomUUID())).queueUrl();
        String queueArn = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        String topicArn = topicArns.arnOf(presence.topic());
        sns.subscribe(r -> r.topicArn(topicArn).protocol("sqs").endpoint(queueArn));

        sns.publish(r -> r.topicArn(topicArn).subject("probe").message("device gone"));

        var envelope = new ObjectMapper().readTree(receive(url, b -> b.contains("device gone")).body());
        assertThat(envelope.path("Type").asText()).isEqualTo("Notification");
        assertThat(envelope.path("Message").asText()).isEqualTo("device gone");
    }

    @Test
    void timerTableAnswersTheDueIndexPerShard() {
        String thing = "probe-" + UUID.randomUUID();
        dynamo.putItem(r -> r.tableName(presence.table()).item(Map.of(
                TableProvisioner.CHECK_KEY, s(thing),
                TableProvisioner.DUE_SHARD, n(7),
                TableProvisioner.DUE_AT, n(1_000))));

        var due = dynamo.query(r -> r.tableName(presence.table()).indexName(TableProvisioner.DUE_INDEX)
                .keyConditionExpression("#s = :shard AND #d <= :now")
                .expressionAttributeNames(Map.of("#s", TableProvisioner.DUE_SHARD, "#d", TableProvisioner.DUE_AT))
                .expressionAttributeValues(Map.of(":shard", n(7), ":now", n(2_000)))).items();

        assertThat(due).extracting(item -> item.get(TableProvisioner.CHECK_KEY).s()).contains(thing);
    }

    @Test
    void iotListsThingsAndDataPlaneWritesShadows() {
        List<String> names = iot.listThingsPaginator(r -> r.maxResults(2)).things().stream()
                .map(ThingAttribute::thingName).toList();
        assertThat(names).contains("shadowcast-demo-1", "shadowcast-demo-2", "shadowcast-demo-3");

        iotData.updateThingShadow(r -> r.thingName("shadowcast-demo-2")
                .payload(SdkBytes.fromUtf8String("{\"state\":{\"desired\":{\"probe\":42}}}")));
        String shadow = iotData.getThingShadow(r -> r.thingName("shadowcast-demo-2")).payload().asUtf8String();

        assertThat(shadow).contains("\"probe\"").contains("42").contains("\"connected\"");
    }

    /** The first message whose body matches; others (such as S3's test event) are skipped. */
    private Message receive(String url, Predicate<String> body) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            var messages = sqs.receiveMessage(r -> r.queueUrl(url).waitTimeSeconds(1).maxNumberOfMessages(10)).messages();
            for (Message message : messages) {
                if (body.test(message.body())) {
                    return message;
                }
            }
        }
        throw new AssertionError("no message on " + url);
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
