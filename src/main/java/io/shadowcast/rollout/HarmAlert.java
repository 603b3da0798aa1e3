package io.shadowcast.rollout;

import io.shadowcast.aws.TopicArns;
import io.shadowcast.config.PresenceConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.MessageAttributeValue;
import software.amazon.awssdk.services.sns.model.PublishRequest;

/**
 * The alert of a rollout paused on harm, on the disconnect watch's alert topic. Attributes
 * {@code event} = {@code rolloutPaused} and {@code rolloutId} let subscribers filter it from the
 * disconnect alerts. Due from the conditional pause that wrote it on the record until published
 * ({@link RolloutStore#pause}): once, or twice only when a worker stops between the publish and taking it
 * off (on a FIFO topic the deduplication id makes that once too).
 */
@ApplicationScoped
class HarmAlert {

    static final String EVENT = "rolloutPaused";

    private final SnsClient sns;
    private final TopicArns topics;
    private final PresenceConfig presence;

    HarmAlert(SnsClient sns, TopicArns topics, PresenceConfig presence) {
        this.sns = sns;
        this.topics = topics;
        this.presence = presence;
    }

    /** Returns the SNS message id. */
    String publish(RolloutRecord paused, RolloutRecord.DueAlert alert) {
        String arn = topics.arnOf(presence.topic());
        PublishRequest.Builder request = PublishRequest.builder().topicArn(arn)
                .subject("shadowcast: rollout of " + abbreviated(paused.key()) + " paused")
                .message("Rollout " + paused.id() + " of " + paused.url() + " (sha256 " + paused.hash() + ") was paused: "
                        + alert.reason() + ". Nothing more is written until it is resumed "
                        + "(POST /rollouts/" + paused.id() + "/resume) or cancelled (DELETE /rollouts/" + paused.id() + ").")
                .messageAttributes(Map.of("event", attribute(EVENT), "rolloutId", attribute(paused.id())));
        if (arn.endsWith(".fifo")) {
            request.messageGroupId(paused.id()).messageDeduplicationId(paused.id() + "-harm-" + alert.wave());
        }
        return sns.publish(request.build()).messageId();
    }

    /** SNS subjects hold at most 100 characters. */
    private static String abbreviated(String key) {
        return key.length() <= 60 ? key : "..." + key.substring(key.length() - 57);
    }

    private static MessageAttributeValue attribute(String value) {
        return MessageAttributeValue.builder().dataType("String").stringValue(value).build();
    }
}
