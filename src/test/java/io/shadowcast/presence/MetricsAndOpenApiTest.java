package io.shadowcast.presence;

import static io.restassured.RestAssured.given;
import static io.shadowcast.presence.PresenceFixture.await;
import static io.shadowcast.presence.PresenceFixture.uniqueThing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.hasKey;

import io.quarkus.test.junit.QuarkusTest;
import io.shadowcast.aws.QueueUrls;
import io.shadowcast.aws.TopicArns;
import io.shadowcast.config.PresenceConfig;
import io.shadowcast.config.RolloutConfig;
import io.shadowcast.rollout.RolloutStatus;
import io.shadowcast.rollout.RolloutStore;
import io.shadowcast.testing.MovableClock;
import io.shadowcast.testing.UploadedRollouts;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iotdataplane.IotDataPlaneClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/** After a real rollout and a real disconnect alert, /q/metrics shows what happened; /q/openapi lists the API. */
@QuarkusTest
class MetricsAndOpenApiTest {

    private static final Duration WAIT = Duration.ofSeconds(45);

    @Inject S3Client s3;
    @Inject SqsClient sqs;
    @Inject SnsClient sns;
    @Inject IotClient iot;
    @Inject IotDataPlaneClient iotData;
    @Inject QueueUrls queueUrls;
    @Inject TopicArns topicArns;
    @Inject PresenceConfig presence;
    @Inject RolloutConfig rollout;
    @Inject RolloutStore rollouts;
    @Inject CheckStore checks;
    @Inject MovableClock clock;

    @AfterEach
    void resetClock() {
        clock.reset();
    }

    @Test
    void rolloutAndCheckMetricsAreExposedAfterRealWork() {
        String key = "metrics/" + UUID.randomUUID() + ".bin";
        var put = s3.putObject(r -> r.bucket(rollout.bucket()).key(key), RequestBody.fromString("metrics " + key));
        String id = UploadedRollouts.awaitIdOf(rollouts, rollout.bucket(), key, Duration.ofSeconds(45));
        await("rollout " + id + " to end", WAIT, () -> rollouts.get(id).filter(r -> r.status().isFinal()).isPresent());
        assertThat(rollouts.get(id).orElseThrow().status()).isEqualTo(RolloutStatus.SUCCEEDED);

        PresenceFixture fixture = new PresenceFixture(sqs, sns, iot, iotData);
        String alerts = fixture.subscribe(topicArns.arnOf(presence.topic()));
        String thing = uniqueThing("metrics");
        long ts = fixture.thingReporting(thing, false);
        fixture.send(queueUrls.urlOf(presence.queue()), PresenceFlowTest.shadowEvent(thing, false, ts));
        await("check of " + thing, WAIT, () -> checks.get(thing).isPresent());
        clock.advance(presence.grace().plusSeconds(90));

        // the scheduled poll measures the backlog when it starts, then alerts; the gauges hold until its next poll
        await("the scheduled poll to see the due check", WAIT,
                () -> value(metrics(), "shadowcast_presence_due_checks").orElse(0.0) >= 1);
        String seen = metrics();
        assertThat(value(seen, "shadowcast_presence_oldest_due_age_seconds")).hasValueSatisfying(
                age -> assertThat(age).isGreaterThanOrEqualTo(89));
        await("the alert for " + thing, WAIT, () -> !fixture.alertsFor(alerts, thing).isEmpty());

        String metrics = metrics();
        assertPositive(metrics, "shadowcast_rollout_updates_total{outcome=\"updated\"}");
        assertPositive(metrics, "shadowcast_rollouts_total{status=\"succeeded\"}");
        assertPositive(metrics, "shadowcast_rollout_duration_seconds_count{status=\"succeeded\"}");
        assertPositive(metrics, "shadowcast_rollout_duration_seconds_sum{status=\"succeeded\"}");
        assertPositive(metrics, "shadowcast_rollout_rate");
        assertThat(value(metrics, "shadowcast_rollout_throttled_retries_total")).isPresent();
        assertThat(value(metrics, "shadowcast_rollout_updates_total{outcome=\"failed\"}")).isPresent();
        assertPositive(metrics, "shadowcast_presence_events_total{outcome=\"scheduled\"}");
        assertPositive(metrics, "shadowcast_presence_checks_total{outcome=\"notified\",reason=\"still_disconnected\"}");
        assertPositive(metrics, "shadowcast_sqs_messages_total{consumer=\"rollout\",outcome=\"deleted\"}");
        assertPositive(metrics, "shadowcast_sqs_messages_total{consumer=\"presence\",outcome=\"received\"}");
    }

    @Test
    void openApiListsTheRestApi() {
        given().queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .body("paths", hasKey("/rollouts"))
                .body("paths", hasKey("/rollouts/{id}"))
                .body("paths", hasKey("/rollouts/{id}/sweep"))
                .body("paths", hasKey("/checks"))
                .body("paths", hasKey("/checks/{thingName}"));
        given().get("/q/swagger-ui/").then().statusCode(200);
    }

    private static String metrics() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    private static void assertPositive(String metrics, String series) {
        assertThat(value(metrics, series)).as(series).hasValueSatisfying(v -> assertThat(v).as(series).isPositive());
    }

    /** The value of one series (name with its exact label set) in the Prometheus text format. */
    private static Optional<Double> value(String metrics, String series) {
        Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(metrics);
        return matcher.find() ? Optional.of(Double.parseDouble(matcher.group(1))) : Optional.empty();
    }
}
