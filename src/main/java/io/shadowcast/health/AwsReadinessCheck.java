package io.shadowcast.health;

import io.shadowcast.aws.QueueUrls;
import io.shadowcast.config.ConvergeConfig;
import io.shadowcast.config.PresenceConfig;
import io.shadowcast.config.RolloutConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.function.Consumer;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Ready only while the rollout, presence and report queues and the three tables answer. Each probe call has a short time limit and
 * no SDK retries, so an outage turns readiness DOWN quickly, with the failing resource and reason.
 */
@Readiness
@ApplicationScoped
public class AwsReadinessCheck implements HealthCheck {

    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

    private final SqsClient sqs;
    private final DynamoDbClient dynamo;
    private final QueueUrls queueUrls;
    private final RolloutConfig rollout;
    private final PresenceConfig presence;
    private final ConvergeConfig converge;

    AwsReadinessCheck(SqsClient sqs, DynamoDbClient dynamo, QueueUrls queueUrls, RolloutConfig rollout,
            PresenceConfig presence, ConvergeConfig converge) {
        this.converge = converge;
        this.sqs = sqs;
        this.dynamo = dynamo;
        this.queueUrls = queueUrls;
        this.rollout = rollout;
        this.presence = presence;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("aws").up();
        probe(response, "sqs:" + rollout.queue(), () -> queueDepth(rollout.queue()));
        probe(response, "sqs:" + presence.queue(), () -> queueDepth(presence.queue()));
        probe(response, "dynamodb:" + rollout.table(), () -> tableStatus(rollout.table()));
        probe(response, "dynamodb:" + presence.table(), () -> tableStatus(presence.table()));
        probe(response, "sqs:" + converge.queue(), () -> queueDepth(converge.queue()));
        probe(response, "dynamodb:" + converge.table(), () -> tableStatus(converge.table()));
        return response.build();
    }

    private void probe(HealthCheckResponseBuilder response, String resource, java.util.function.Supplier<String> call) {
        try {
            response.withData(resource, call.get());
        } catch (SdkException e) {
            response.down().withData(resource, "DOWN: " + e.getMessage());
        }
    }

    private String queueDepth(String queue) {
        String url = queueUrls.urlOf(queue);
        String visible = sqs.getQueueAttributes(r -> r.queueUrl(url)
                        .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)
                        .overrideConfiguration(quick()))
                .attributes().get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES);
        return "UP (" + visible + " messages waiting)";
    }

    private String tableStatus(String table) {
        return "UP (" + dynamo.describeTable(r -> r.tableName(table).overrideConfiguration(quick()))
                .table().tableStatusAsString() + ")";
    }

    private static Consumer<AwsRequestOverrideConfiguration.Builder> quick() {
        return o -> o.apiCallTimeout(PROBE_TIMEOUT).apiCallAttemptTimeout(PROBE_TIMEOUT);
    }
}
