package io.shadowcast.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the REST API refuses, and that every refusal is the API's JSON error shape. */
@QuarkusTest
class ApiInputTest {

    @TestHTTPResource("/checks") URI checks;

    /** Just above quarkus.http.limits.max-body-size (64K). */
    private static final String OVERSIZED = "{\"thingName\":\"" + "a".repeat(70 * 1024) + "\"}";

    @ParameterizedTest
    @ValueSource(strings = {"with%20space", "slash%2Fname", "hash%23name", "dot.name", "%C3%BCmlaut", "semi%3Bcolon"})
    void invalidThingNamesInThePathAreRejected(String name) {
        given().urlEncodingEnabled(false).get("/checks/" + name).then().statusCode(400)
                .contentType(ContentType.JSON).body("field", equalTo("thingName"));
        given().urlEncodingEnabled(false).delete("/checks/" + name).then().statusCode(400)
                .contentType(ContentType.JSON).body("field", equalTo("thingName"));
    }

    @Test
    void thingNamesAreCheckedAgainstTheAwsPatternAndLength() {
        String longest = "a:b_c-D9".repeat(16);
        given().get("/checks/" + longest).then().statusCode(404).contentType(ContentType.JSON);
        given().get("/checks/" + longest + "x").then().statusCode(400).body("field", equalTo("thingName"));
        given().contentType(ContentType.JSON).body("{\"thingName\":\"" + longest + "x\"}").post("/checks")
                .then().statusCode(400).contentType(ContentType.JSON).body("field", equalTo("thingName"));
        given().contentType(ContentType.JSON).body("{\"thingName\":\"\"}").post("/checks")
                .then().statusCode(400).body("field", equalTo("thingName"));
        given().contentType(ContentType.JSON).body("{\"thingName\":\"a/b\"}").post("/checks")
                .then().statusCode(400).body("field", equalTo("thingName"));
    }

    @Test
    void unknownFieldsAreRejectedNamingTheField() {
        given().contentType(ContentType.JSON).body("{\"bucket\":\"b\",\"key\":\"k\",\"force\":true}").post("/rollouts")
                .then().statusCode(400).contentType(ContentType.JSON)
                .body("message", containsString("force")).body("field", equalTo("force"));
        given().contentType(ContentType.JSON).body("{\"thingName\":\"ok\",\"force\":true}").post("/checks")
                .then().statusCode(400).contentType(ContentType.JSON)
                .body("message", containsString("force")).body("field", equalTo("force"));
    }

    @Test
    void wrongTypesAreRejectedAsJson() {
        given().contentType(ContentType.JSON).body("{\"bucket\":{\"a\":1},\"key\":\"k\"}").post("/rollouts")
                .then().statusCode(400).contentType(ContentType.JSON).body("field", equalTo("bucket"));
        given().contentType(ContentType.JSON).body("[1,2]").post("/rollouts")
                .then().statusCode(400).contentType(ContentType.JSON).body("message", notNullValue());
    }

    @Test
    void bodiesOverTheLimitAreRejectedWith413Json() {
        given().contentType(ContentType.JSON).body(OVERSIZED).post("/checks")
                .then().statusCode(413).contentType(ContentType.JSON).body("message", notNullValue());
        given().contentType(ContentType.JSON).body(OVERSIZED).post("/rollouts")
                .then().statusCode(413).contentType(ContentType.JSON).body("message", notNullValue());
    }

    /** Without a Content-Length the limit is enforced by Quarkus while reading: 413 with an empty body. */
    @Test
    void chunkedBodiesOverTheLimitAreRejectedWith413() throws Exception {
        byte[] bytes = OVERSIZED.getBytes(StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(checks).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes))).build();

        HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(413);
    }

    @Test
    void unknownPathsAndMethodsAnswerJson() {
        given().get("/no-such-path").then().statusCode(404).contentType(ContentType.JSON).body("message", notNullValue());
        given().put("/rollouts").then().statusCode(405).contentType(ContentType.JSON).body("message", notNullValue());
        given().contentType(ContentType.JSON).body("{}").put("/checks/some-thing")
                .then().statusCode(405).contentType(ContentType.JSON).body("message", notNullValue());
    }

    @Test
    void wrongMediaTypeIsRejectedAsJson() {
        given().contentType(ContentType.TEXT).body("bucket=b").post("/rollouts")
                .then().statusCode(415).contentType(ContentType.JSON).body("message", notNullValue());
    }
}
