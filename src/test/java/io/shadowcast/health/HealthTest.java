package io.shadowcast.health;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.shadowcast.testing.ConsumersOff;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(ConsumersOff.class)
class HealthTest {

    @Test
    void liveAndReadyWithEachResourceReported() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.find { it.name == 'aws' }.data.'sqs:shadowcast-rollouts'", startsWith("UP"))
                .body("checks.find { it.name == 'aws' }.data.'sqs:shadowcast-presence'", startsWith("UP"))
                .body("checks.find { it.name == 'aws' }.data.'dynamodb:shadowcast-checks'", startsWith("UP"))
                .body("checks.find { it.name == 'aws' }.data.'dynamodb:shadowcast-rollouts'", startsWith("UP"))
                .body("checks.find { it.name == 'aws' }.data.'sqs:shadowcast-reports'", startsWith("UP"))
                .body("checks.find { it.name == 'aws' }.data.'dynamodb:shadowcast-ledger'", startsWith("UP"));
    }
}
