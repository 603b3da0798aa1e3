package io.shadowcast.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.shadowcast.config.RolloutConfig;
import io.shadowcast.rollout.RolloutRecord;
import io.shadowcast.rollout.RolloutStore;
import io.shadowcast.testing.AuthOn;
import io.shadowcast.testing.LogCapture;
import io.shadowcast.testing.UploadedRollouts;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.iotdataplane.IotDataPlaneClient;
import software.amazon.awssdk.services.s3.S3Client;

/** With shadowcast.api.auth.enabled, changes need the bearer token; reads, health, metrics and OpenAPI stay open. */
@QuarkusTest
@TestProfile(AuthOn.class)
class ApiAuthTest {

    @Inject S3Client s3;
    @Inject IotDataPlaneClient iotData;
    @Inject RolloutStore store;
    @Inject RolloutConfig config;

    @Test
    void mutatingEndpointsNeedTheToken() {
        String thing = "auth-" + UUID.randomUUID();
        String check = "{\"thingName\":\"" + thing + "\"}"; // disconnected now: due after the grace period
        String rollout = "{\"bucket\":\"" + config.bucket() + "\",\"key\":\"missing-" + UUID.randomUUID() + "\"}";
        List<Function<RequestSpecification, io.restassured.response.Response>> calls = List.of(
                r -> r.contentType(ContentType.JSON).body(check).post("/checks"),
                r -> r.contentType(ContentType.JSON).body(rollout).post("/rollouts"),
                r -> r.delete("/checks/" + thing),
                r -> r.delete("/rollouts/no-such-rollout"),
                r -> r.post("/rollouts/no-such-rollout/sweep"));

        for (var call : calls) {
            call.apply(given()).then().statusCode(401).contentType(ContentType.JSON)
                    .header("WWW-Authenticate", notNullValue()).body("message", notNullValue());
            call.apply(given().header("Authorization", "Bearer wrong-" + AuthOn.TOKEN)).then().statusCode(401)
                    .contentType(ContentType.JSON);
            call.apply(given().header("Authorization", AuthOn.TOKEN)).then().statusCode(401);
            call.apply(given().header("Authorization", "Bearer " + AuthOn.TOKEN + "x")).then().statusCode(401);
        }
        given().get("/checks/" + thing).then().statusCode(404);

        authorised().contentType(ContentType.JSON).body(check).post("/checks").then().statusCode(201)
                .body("thingName", equalTo(thing));
        authorised().contentType(ContentType.JSON).body(rollout).post("/rollouts").then().statusCode(404)
                .body("message", notNullValue());
        authorised().delete("/rollouts/no-such-rollout").then().statusCode(404);
        authorised().post("/rollouts/no-such-rollout/sweep").then().statusCode(404).body("message", notNullValue());
        authorised().delete("/checks/" + thing).then().statusCode(200).body("thingName", equalTo(thing));
    }

    @Test
    void readsHealthMetricsAndOpenApiStayOpen() {
        for (String path : List.of("/rollouts", "/checks", "/q/health", "/q/health/live", "/q/health/ready",
                "/q/metrics", "/q/openapi")) {
            given().get(path).then().statusCode(200);
        }
        given().get("/checks/no-such-thing").then().statusCode(404);
        given().get("/rollouts/no-such-rollout").then().statusCode(404);
    }

    @Test
    void presignedUrlsAndTheTokenNeverReachTheLogs() throws Exception {
        try (LogCapture log = new LogCapture()) {
            String key = "signed/" + UUID.randomUUID() + ".bin";
            var put = s3.putObject(r -> r.bucket(config.bucket()).key(key), RequestBody.fromString("payload " + key));
            String id = UploadedRollouts.awaitIdOf(store, config.bucket(), key, Duration.ofSeconds(45));
            authorised().contentType(ContentType.JSON).body("{\"bucket\":\"x\",\"key\":\"y\",\"z\":1}").post("/rollouts")
                    .then().statusCode(400);
            RolloutRecord record = awaitFinal(id);

            assertThat(record.status().name()).isEqualTo("SUCCEEDED");
            String shadow = iotData.getThingShadow(r -> r.thingName("shadowcast-demo-1")).payload().asUtf8String();
            String httpsUrl = new ObjectMapper().readTree(shadow).path("state").path("desired").path("s3")
                    .path("httpsUrl").asText();
            assertThat(httpsUrl).as("the payload carries a presigned URL").contains("X-Amz-Signature=");
            List<String> lines = log.texts();
            assertThat(lines).as("the rollout was logged").anyMatch(line -> line.contains(id));
            assertThat(lines).noneMatch(line -> line.contains("X-Amz-Signature") || line.contains("X-Amz-Credential")
                    || line.contains(httpsUrl) || line.contains(AuthOn.TOKEN));
        }
    }

    private RolloutRecord awaitFinal(String id) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(45));
        while (Instant.now().isBefore(deadline)) {
            Optional<RolloutRecord> record = store.get(id).filter(r -> r.status().isFinal());
            if (record.isPresent()) {
                return record.get();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("rollout " + id + " did not end in time");
    }

    private static RequestSpecification authorised() {
        return given().header("Authorization", "Bearer " + AuthOn.TOKEN);
    }
}
