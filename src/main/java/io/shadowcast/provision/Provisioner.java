package io.shadowcast.provision;

import io.quarkus.runtime.StartupEvent;
import io.shadowcast.config.ConvergeConfig;
import io.shadowcast.config.JoinConfig;
import io.shadowcast.config.PresenceConfig;
import io.shadowcast.config.ProvisionConfig;
import io.shadowcast.config.RolloutConfig;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iotdataplane.IotDataPlaneClient;
import software.amazon.awssdk.services.iotdataplane.model.ResourceNotFoundException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.Event;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Creates every resource shadowcast uses, for emulators and sandbox accounts
 * ({@code shadowcast.provision.enabled=true}). It is the single definition used by the tests, the
 * local run and docker compose. Every step first looks whether its resource exists, so a second run
 * changes nothing. Production accounts use {@code deploy/aws/} instead, which mirrors it.
 */
@ApplicationScoped
public class Provisioner {

    private static final Logger LOG = Logger.getLogger(Provisioner.class);

    private final ProvisionConfig config;
    private final RolloutConfig rollout;
    private final PresenceConfig presence;
    private final JoinConfig join;
    private final ConvergeConfig converge;
    private final S3Client s3;
    private final SqsClient sqs;
    private final SnsClient sns;
    private final TableProvisioner tables;
    private final IotClient iot;
    private final IotDataPlaneClient iotData;

    Provisioner(ProvisionConfig config, RolloutConfig rollout, PresenceConfig presence, JoinConfig join,
            ConvergeConfig converge, S3Client s3, SqsClient sqs, SnsClient sns, TableProvisioner tables, IotClient iot,
            IotDataPlaneClient iotData) {
        this.config = config;
        this.join = join;
        this.converge = converge;
        this.rollout = rollout;
        this.presence = presence;
        this.s3 = s3;
        this.sqs = sqs;
        this.sns = sns;
        this.tables = tables;
        this.iot = iot;
        this.iotData = iotData;
    }

    /** Runs before the consumers start (lower priority value first). */
    void onStart(@Observes @Priority(10) StartupEvent event) {
        if (config.enabled()) {
            provision();
        }
    }

    public void provision() {
        long started = System.nanoTime();
        String rolloutQueueArn = queueWithDlq(rollout.queue());
        queueWithDlq(presence.queue());
        // registry events reach it through IoT rules, which emulators store but never run
        queueWithDlq(join.queue());
        // device reports reach it through an IoT rule too
        queueWithDlq(converge.queue());
        allowBucketToSend(rollout.queue(), rolloutQueueArn, rollout.bucket());
        bucketNotifyingQueue(rollout.bucket(), rolloutQueueArn);
        if (!presence.topic().startsWith("arn:")) {
            // a FIFO topic (name ending .fifo) must say so when it is created
            sns.createTopic(r -> r.name(presence.topic()).attributes(presence.topic().endsWith(".fifo")
                    ? java.util.Map.of("FifoTopic", "true") : java.util.Map.of()));
        }
        tables.checksTable(presence.table());
        tables.rolloutsTable(rollout.table());
        tables.ledgerTable(converge.table());
        config.things().orElse(List.of()).forEach(this::thingWithShadow);
        LOG.infof("Provisioned bucket %s, queues %s, %s, %s and %s (with DLQs), topic %s, tables %s, %s and %s, "
                + "%d things in %d ms", rollout.bucket(), rollout.queue(), presence.queue(), join.queue(),
                converge.queue(), presence.topic(), presence.table(), rollout.table(), converge.table(),
                config.things().map(List::size).orElse(0), (System.nanoTime() - started) / 1_000_000);
    }

    /** Creates the queue and its dead-letter queue ({@code <name>-dlq}) and returns the queue's ARN. */
    private String queueWithDlq(String name) {
        String dlqUrl = sqs.createQueue(r -> r.queueName(name + "-dlq")
                .attributes(Map.of(QueueAttributeName.MESSAGE_RETENTION_PERIOD, "1209600"))).queueUrl();
        String dlqArn = arnOf(dlqUrl);
        String redrive = "{\"deadLetterTargetArn\":\"" + dlqArn + "\",\"maxReceiveCount\":\"" + config.maxReceiveCount() + "\"}";
        String url = sqs.createQueue(r -> r.queueName(name)).queueUrl();
        sqs.setQueueAttributes(r -> r.queueUrl(url).attributes(Map.of(QueueAttributeName.REDRIVE_POLICY, redrive)));
        return arnOf(url);
    }

    private String arnOf(String queueUrl) {
        return sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
    }

    /** The queue policy that real S3 needs before it accepts the notification configuration. */
    private void allowBucketToSend(String queue, String queueArn, String bucket) {
        String policy = """
                {"Version":"2012-10-17","Statement":[{"Sid":"s3-object-created","Effect":"Allow",\
                "Principal":{"Service":"s3.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"%s",\
                "Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::%s"}}}]}""".formatted(queueArn, bucket);
        String url = sqs.getQueueUrl(r -> r.queueName(queue)).queueUrl();
        sqs.setQueueAttributes(r -> r.queueUrl(url).attributes(Map.of(QueueAttributeName.POLICY, policy)));
    }

    private void bucketNotifyingQueue(String bucket, String queueArn) {
        if (!bucketExists(bucket)) {
            Region region = s3.serviceClientConfiguration().region();
            s3.createBucket(r -> {
                r.bucket(bucket);
                if (region != null && !Region.US_EAST_1.equals(region)) {
                    r.createBucketConfiguration(c -> c.locationConstraint(region.id()));
                }
            });
            // Versioned, so that a rollout can name the exact object version it hashed.
            s3.putBucketVersioning(r -> r.bucket(bucket)
                    .versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
        }
        boolean wired = s3.getBucketNotificationConfiguration(r -> r.bucket(bucket)).queueConfigurations().stream()
                .anyMatch(q -> q.queueArn().equals(queueArn));
        if (!wired) {
            s3.putBucketNotificationConfiguration(r -> r.bucket(bucket).notificationConfiguration(n -> n
                    .queueConfigurations(q -> q.id("shadowcast-rollouts").queueArn(queueArn)
                            .events(Event.S3_OBJECT_CREATED))));
        }
    }

    private boolean bucketExists(String bucket) {
        try {
            s3.headBucket(r -> r.bucket(bucket));
            return true;
        } catch (NoSuchBucketException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    /** A demo thing whose classic shadow reports it connected, as a real device's would after its first connect. */
    private void thingWithShadow(String thingName) {
        iot.createThing(r -> r.thingName(thingName));
        try {
            iotData.getThingShadow(r -> r.thingName(thingName));
        } catch (ResourceNotFoundException e) {
            iotData.updateThingShadow(r -> r.thingName(thingName)
                    .payload(SdkBytes.fromUtf8String("{\"state\":{\"reported\":{\"connected\":true}}}")));
        }
    }
}
