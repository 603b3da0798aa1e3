package io.shadowcast.health;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.shadowcast.config.RolloutConfig;
import io.shadowcast.provision.Provisioner;
import io.shadowcast.sqs.SqsConsumer;
import io.shadowcast.sqs.SqsConsumers;
import io.shadowcast.testing.EmulatorLater;
import io.shadowcast.testing.MotoServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;

/** AWS unreachable at start: the service starts, says why it is not ready, backs off, and recovers alone. */
@QuarkusTest
@TestProfile(EmulatorLater.class)
class AwsOutageTest {

    @Inject SqsConsumers consumers;
    @Inject Provisioner provisioner;
    @Inject RolloutConfig rollout;
    @Inject SqsClient sqs;

    @Test
    void notReadyWhileUnreachableThenRecoversWithoutRestart() throws Exception {
        AtomicInteger handled = new AtomicInteger();
        SqsConsumer consumer = consumers.start("outage-probe", rollout.queue(), 1, message -> handled.incrementAndGet());

        given().get("/q/health/ready").then().statusCode(503)
                .body("status", equalTo("DOWN"))
                .body("checks.find { it.name == 'aws' }.data.'sqs:shadowcast-rollouts'", containsString("DOWN"))
                .body("checks.find { it.name == 'aws' }.data.'dynamodb:shadowcast-checks'", containsString("DOWN"));
        given().get("/q/health/live").then().statusCode(200);

        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.stats().receiveErrors() >= 3);
        long before = consumer.stats().receiveErrors();
        Thread.sleep(3_000);
        // backed off to its 1 s maximum: at most a few attempts in 3 s, not a busy loop
        assertThat(consumer.stats().receiveErrors() - before).isBetween(1L, 4L);
        assertThat(consumer.lastError()).isNotNull();

        try (MotoServer moto = MotoServer.start(EmulatorLater.PORT)) {
            provisioner.provision();
            String url = sqs.getQueueUrl(r -> r.queueName(rollout.queue())).queueUrl();
            sqs.sendMessage(r -> r.queueUrl(url).messageBody("{\"probe\":true}"));

            await().atMost(Duration.ofSeconds(20)).until(() -> handled.get() >= 1);
            assertThat(consumer.lastError()).isNull();
            given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }
}
