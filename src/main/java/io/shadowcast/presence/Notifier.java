package io.shadowcast.presence;

import io.shadowcast.aws.TopicArns;
import io.shadowcast.config.PresenceConfig;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.MessageAttributeValue;
import software.amazon.awssdk.services.sns.model.PublishRequest;

/**
 * Publishes alerts, recovery notices and "could not verify" alerts to the SNS topic. Message attributes
 * ({@code event} = {@code disconnected} | {@code reconnected} | {@code unverifiable},
 * {@code thingName}, {@code disconnectedAt} ISO-8601 UTC, {@code reason}) let subscribers filter. On a
 * FIFO topic the thing name is the message group and the thing plus disconnect time the
 * deduplication id, so a retried publish within SNS's window is delivered once.
 */
@Singleton
public class Notifier {

    /** Reason attribute when the event did not say why (SNS attribute values cannot be empty). */
    static final String UNKNOWN_REASON = "UNKNOWN";

    private final SnsClient sns;
    private final Supplier<String> topicArn;
    private final AlertText text;

    @Inject
    Notifier(SnsClient sns, TopicArns topics, PresenceConfig config) {
        this(sns, () -> topics.arnOf(config.topic()), new AlertText(config.zone()));
    }

    public Notifier(SnsClient sns, Supplier<String> topicArn, AlertText text) {
        this.sns = sns;
        this.topicArn = topicArn;
        this.text = text;
    }

    /** Returns the SNS message id. */
    public String alert(PendingCheck check, Verdict verdict, Instant now) {
        return publish(check.thingName(), "disconnected", check.disconnectedAt(), check.reason(),
                text.alertSubject(check.thingName()), text.alertBody(check, verdict, now),
                check.thingName() + "-" + check.disconnectedAt().toEpochMilli());
    }

    /** The one alert of a check given up after {@code attempts}; returns the SNS message id. */
    public String unverifiable(PendingCheck check, int attempts, Instant now) {
        return publish(check.thingName(), "unverifiable", check.disconnectedAt(), check.reason(),
                text.unverifiableSubject(check.thingName()), text.unverifiableBody(check, attempts, now),
                check.thingName() + "-" + check.disconnectedAt().toEpochMilli() + "-unverifiable");
    }

    /** Returns the SNS message id. */
    public String recovered(AlertRecord alert, Instant connectedAt) {
        return publish(alert.thingName(), "reconnected", alert.disconnectedAt(), alert.reason(),
                text.recoverySubject(alert.thingName()), text.recoveryBody(alert, connectedAt),
                alert.thingName() + "-" + alert.disconnectedAt().toEpochMilli() + "-up-" + connectedAt.toEpochMilli());
    }

    private String publish(String thingName, String event, Instant disconnectedAt, Optional<String> reason,
            String subject, String body, String dedupKey) {
        String arn = topicArn.get();
        PublishRequest.Builder request = PublishRequest.builder()
                .topicArn(arn)
                .subject(subject)
                .message(body)
                .messageAttributes(Map.of(
                        "event", attribute(event),
                        "thingName", attribute(thingName),
                        "disconnectedAt", attribute(disconnectedAt.toString()),
                        "reason", attribute(reason.orElse(UNKNOWN_REASON))));
        if (arn.endsWith(".fifo")) {
            request.messageGroupId(thingName).messageDeduplicationId(dedupId(dedupKey));
        }
        return sns.publish(request.build()).messageId();
    }

    /** SNS allows at most 128 characters; a long thing name would exceed that, so long keys are hashed. */
    static String dedupId(String key) {
        if (key.length() <= 128) {
            return key;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static MessageAttributeValue attribute(String value) {
        return MessageAttributeValue.builder().dataType("String").stringValue(value).build();
    }
}
