package io.shadowcast.rollout;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.StartupEvent;
import io.shadowcast.config.RolloutConfig;
import io.shadowcast.config.SqsConfig;
import io.shadowcast.sqs.SqsConsumers;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Consumes the rollout queue through the shared SQS loop: each ObjectCreated record of a message
 * becomes a rollout, one after the other. The message is deleted only once every record's rollout
 * has a final status; a redelivery skips the finished ones and resumes the interrupted one.
 */
@ApplicationScoped
public class RolloutConsumer {

    private static final Logger LOG = Logger.getLogger(RolloutConsumer.class);

    private final SqsConsumers consumers;
    private final RolloutConfig config;
    private final SqsConfig sqs;
    private final RolloutService rollouts;
    private final S3NotificationParser parser;

    RolloutConsumer(SqsConsumers consumers, RolloutConfig config, SqsConfig sqs, RolloutService rollouts,
            ObjectMapper json) {
        this.consumers = consumers;
        this.config = config;
        this.sqs = sqs;
        this.rollouts = rollouts;
        this.parser = new S3NotificationParser(json);
    }

    void onStart(@Observes StartupEvent event) {
        if (config.enabled()) {
            consumers.start("rollout", config.queue(), sqs.rolloutConcurrency(), this::handle);
        } else {
            LOG.info("Rollout consumer off (shadowcast.rollout.enabled=false)");
        }
    }

    void handle(Message message) throws InterruptedException {
        S3Notification notification = parser.parse(message.body());
        if (notification instanceof S3Notification.Retry retry) {
            LOG.infof("Message %s: retry %s of the failed things of rollout %s", message.messageId(), retry.retryId(),
                    retry.rolloutId());
            rollouts.retry(retry);
            return;
        }
        if (notification instanceof S3Notification.Resume resume) {
            LOG.infof("Message %s: resume of rollout %s", message.messageId(), resume.rolloutId());
            rollouts.resume(resume.rolloutId());
            return;
        }
        if (notification instanceof S3Notification.TestEvent test) {
            LOG.infof("Message %s: s3:TestEvent for bucket %s acknowledged", message.messageId(), test.bucket());
            return;
        }
        for (S3EventRecord record : ((S3Notification.Records) notification).records()) {
            if (record instanceof S3EventRecord.ObjectCreated created) {
                LOG.infof("Message %s: %s %s (version %s, at %s)", message.messageId(), created.eventName(),
                        created.object().url(), created.object().versionId(), created.upload().eventTime());
                rollouts.run(created.upload());
            } else {
                S3EventRecord.Other other = (S3EventRecord.Other) record;
                LOG.infof("Message %s: %s of s3://%s/%s ignored (only ObjectCreated events start rollouts)",
                        message.messageId(), other.eventName(), other.bucket(), other.key());
            }
        }
    }
}
