package io.shadowcast.ui;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.shadowcast.testing.AuthOn;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * With the bearer token required, the status page and its files are still served at / without one,
 * next to the API, health, metrics and OpenAPI, and a change made from the page still needs the token.
 */
@QuarkusTest
@TestProfile(AuthOn.class)
class StatusPageRoutesTest {

    @Test
    void thePageAndItsFilesAreServedWithoutATokenAndNeedNothingFromOutside() {
        String page = given().get("/").then().statusCode(200).contentType(startsWith("text/html"))
                .extract().asString();
        assertThat(page)
                .contains("<title>shadowcast</title>", "src=\"status.js\"", "href=\"status.css\"")
                .doesNotContain("http://", "https://", "//cdn");
        given().get("/index.html").then().statusCode(200).contentType(startsWith("text/html"));
        given().get("/status.js").then().statusCode(200).contentType(containsString("javascript"))
                .body(containsString("rollouts?limit="));
        given().get("/status.css").then().statusCode(200).contentType(startsWith("text/css"));
    }

    /** After an upgrade, a browser must not keep running the old script against the new API for a day. */
    @Test
    void browsersAskAgainForThePageAfterAMinute() {
        for (String path : List.of("/", "/status.js", "/status.css")) {
            String cacheControl = given().get(path).then().statusCode(200).extract().header("Cache-Control");
            assertThat(cacheControl).as(path).isNotNull();
            assertThat(Integer.parseInt(cacheControl.replaceFirst(".*max-age=(\\d+).*", "$1"))).as(path + ": " + cacheControl)
                    .isLessThanOrEqualTo(60);
        }
    }

    @Test
    void theApiHealthMetricsAndOpenApiAreStillWhereTheyWere() {
        given().get("/rollouts?limit=1").then().statusCode(200).contentType(ContentType.JSON).body("items", notNullValue());
        given().get("/checks?limit=1").then().statusCode(200).contentType(ContentType.JSON).body("checks", notNullValue());
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/metrics").then().statusCode(200).body(containsString("shadowcast_sqs_in_flight"));
        given().get("/q/openapi?format=json").then().statusCode(200).body("paths", hasKey("/rollouts"));
        given().get("/q/swagger-ui/").then().statusCode(200).contentType(startsWith("text/html"));
        given().get("/no-such-page").then().statusCode(404);
    }

    @Test
    void cancellingFromThePageStillNeedsTheToken() {
        given().delete("/rollouts/no-such-rollout").then().statusCode(401).contentType(ContentType.JSON);
        given().header("Authorization", "Bearer " + AuthOn.TOKEN).delete("/rollouts/no-such-rollout")
                .then().statusCode(404).contentType(ContentType.JSON).body("message", containsString("no-such-rollout"));
    }
}
