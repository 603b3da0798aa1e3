package io.shadowcast.rollout;

import static io.restassured.RestAssured.given;
import static io.shadowcast.rollout.RolloutFixture.awaitFinal;
import static io.shadowcast.rollout.RolloutFixture.sleep;
import static io.shadowcast.rollout.RolloutFixture.upload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

@QuarkusTest
class RolloutApiTest {

    @Inject S3Client s3;
    @Inject RolloutStore store;

    @Test
    void startByHandGoesThroughTheQueueAndEachStartIsANewUpload() {
        String bucket = "manual-" + UUID.randomUUID();
        s3.createBucket(r -> r.bucket(bucket));
        var uploaded = upload(s3, bucket, "by hand/" + UUID.randomUUID() + " ü.bin", 5_000, Map.of());
        String body = "{\"bucket\":\"" + bucket + "\",\"key\":\"" + uploaded.object().key() + "\"}";

        var started = given().contentType(ContentType.JSON).body(body).post("/rollouts")
                .then().statusCode(202)
                .body("status", equalTo("QUEUED"))
                .extract();
        String id = started.path("id");

        assertThat(started.header("Location")).endsWith("/rollouts/" + id);
        assertThat(awaitFinal(store, id, Duration.ofSeconds(45)).status()).isEqualTo(RolloutStatus.SUCCEEDED);
        given().get("/rollouts/" + id).then().statusCode(200)
                .body("status", equalTo("SUCCEEDED"))
                .body("hash", equalTo(uploaded.sha256()))
                .body("key", equalTo(uploaded.object().key()))
                .body("startedAt", notNullValue());
        // a request counts as an upload at the time of the request: the same version again is a new rollout
        String again = given().contentType(ContentType.JSON).body(body).post("/rollouts")
                .then().statusCode(202).extract().path("id");
        assertThat(again).isNotEqualTo(id);
        assertThat(awaitFinal(store, again, Duration.ofSeconds(45)).status()).isEqualTo(RolloutStatus.SUCCEEDED);
        given().queryParam("key", uploaded.object().key()).queryParam("bucket", bucket).get("/rollouts")
                .then().statusCode(200).body("items.id", equalTo(List.of(again, id)));
    }

    @Test
    void listIsNewestFirstAndPagedWithACursor() {
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(claimWithoutWork().id());
            sleep(5);
        }

        var first = given().get("/rollouts?limit=2").then().statusCode(200).extract().jsonPath();
        assertThat(first.getList("items.id", String.class)).containsExactly(ids.get(2), ids.get(1));
        String cursor = first.getString("next");
        assertThat(cursor).isNotBlank();
        var second = given().queryParam("limit", 2).queryParam("cursor", cursor).get("/rollouts")
                .then().statusCode(200).extract().jsonPath();
        assertThat(second.getList("items.id", String.class)).first().isEqualTo(ids.get(0));

        ids.forEach(id -> given().delete("/rollouts/" + id).then().statusCode(200));
    }

    @Test
    void cancelStopsARunningRolloutAndItsWorkerKeepsTheStatus() {
        String owner = UUID.randomUUID().toString();
        RolloutRecord running = store.claim(fakeObject(), owner).record();

        given().delete("/rollouts/" + running.id()).then().statusCode(200)
                .body("status", equalTo("CANCELLED")).body("reason", equalTo("cancelled by request"));
        given().delete("/rollouts/" + running.id()).then().statusCode(409)
                .body("message", containsString("not running"));

        assertThat(store.heartbeat(running.id(), owner)).isEqualTo(RolloutStore.Ownership.CANCELLED);
        RolloutRecord finished = store.finish(running.id(), owner, RolloutStatus.SUCCEEDED, null,
                new RolloutCounts(10, 4, 0, 0, 1), List.of());
        assertThat(finished.status()).isEqualTo(RolloutStatus.CANCELLED);
        assertThat(finished.counts()).isEqualTo(new RolloutCounts(10, 4, 0, 0, 1));
        assertThat(finished.endedAt()).isNotNull();
    }

    @Test
    void errorsAreJsonWithAMessage() {
        given().get("/rollouts/no-such-id").then().statusCode(404).contentType(ContentType.JSON)
                .body("message", equalTo("no rollout no-such-id"));
        given().delete("/rollouts/no-such-id").then().statusCode(404).body("message", notNullValue());
        given().contentType(ContentType.JSON).body("{}").post("/rollouts").then().statusCode(400)
                .body("message", equalTo("bucket and key are required"));
        given().contentType(ContentType.JSON).body("{\"bucket\":\"shadowcast-artifacts\",\"key\":\"missing-" + UUID.randomUUID() + "\"}")
                .post("/rollouts").then().statusCode(404).body("message", containsString("no object"));
        given().contentType(ContentType.JSON).body("not json").post("/rollouts").then().statusCode(400)
                .contentType(ContentType.JSON).body("message", notNullValue());
        given().get("/rollouts?limit=0").then().statusCode(400).body("message", containsString("limit"));
        given().get("/rollouts?cursor=%%%").then().statusCode(400).body("message", containsString("cursor")).body("field", org.hamcrest.Matchers.equalTo("cursor"));
    }

    private RolloutRecord claimWithoutWork() {
        return store.claim(fakeObject(), UUID.randomUUID().toString()).record();
    }

    private static Upload fakeObject() {
        return Upload.fromS3(new ObjectRef("api-test", "k/" + UUID.randomUUID(), null, UUID.randomUUID().toString()),
                java.time.Instant.now(), null);
    }
}
