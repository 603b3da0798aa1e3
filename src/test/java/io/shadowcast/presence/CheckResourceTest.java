package io.shadowcast.presence;

import static io.restassured.RestAssured.given;
import static io.shadowcast.presence.PresenceFixture.uniqueThing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@QuarkusTest
class CheckResourceTest {

    /**
     * A minute ago: within the accepted window, and not due before the five-minute grace period ends, so
     * no poller takes these checks while the test looks at them.
     */
    private static final Instant RECENT = Instant.now().minusSeconds(60).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);

    @Test
    void scheduleLookUpAndCancelByHand() {
        String thing = uniqueThing("manual");

        given().contentType(ContentType.JSON)
                .body("{\"thingName\":\"" + thing + "\",\"disconnectedAt\":\"" + RECENT + "\"}")
                .post("/checks")
                .then().statusCode(201)
                .header("Location", containsString("/checks/" + thing))
                .body("thingName", equalTo(thing))
                .body("disconnectedAt", equalTo(RECENT.toString()))
                .body("dueAt", equalTo(RECENT.plusSeconds(300).toString()))
                .body("source", equalTo("MANUAL"));

        given().get("/checks/" + thing).then().statusCode(200).body("thingName", equalTo(thing));

        given().contentType(ContentType.JSON)
                .body("{\"thingName\":\"" + thing + "\",\"disconnectedAt\":" + RECENT.minusSeconds(60).getEpochSecond() + "}")
                .post("/checks")
                .then().statusCode(409).body("field", equalTo("disconnectedAt"));

        given().delete("/checks/" + thing).then().statusCode(200).body("thingName", equalTo(thing));
        given().get("/checks/" + thing).then().statusCode(404)
                .contentType(ContentType.JSON)
                .body("message", containsString(thing));
        given().delete("/checks/" + thing).then().statusCode(404).contentType(ContentType.JSON);
    }

    @Test
    void listIsOrderedByDueTimeAndPaged() {
        String prefix = uniqueThing("page");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            String thing = prefix + "-" + i;
            // two share a due time: their order is by name
            Instant at = RECENT.plusSeconds(10 + (i == 4 ? 3 : i));
            given().contentType(ContentType.JSON)
                    .body("{\"thingName\":\"" + thing + "\",\"disconnectedAt\":\"" + at + "\"}")
                    .post("/checks").then().statusCode(201);
            expected.add(thing);
        }

        List<String> seen = new ArrayList<>();
        List<String> dueTimes = new ArrayList<>();
        String next = null;
        int pages = 0;
        do {
            var request = given().queryParam("limit", 3);
            if (next != null) {
                request.queryParam("after", next);
            }
            JsonPath page = request.get("/checks").then().statusCode(200).extract().jsonPath();
            assertThat(page.getList("checks")).hasSizeLessThanOrEqualTo(3);
            List<String> names = page.getList("checks.thingName");
            List<String> due = page.getList("checks.dueAt");
            for (int i = 0; i < names.size(); i++) {
                if (names.get(i).startsWith(prefix)) {
                    seen.add(names.get(i));
                }
                dueTimes.add(due.get(i));
            }
            next = page.getString("next");
            pages++;
        } while (next != null && pages < 1000);

        assertThat(seen).containsExactly(prefix + "-0", prefix + "-1", prefix + "-2", prefix + "-3", prefix + "-4",
                prefix + "-5", prefix + "-6");
        assertThat(dueTimes).isSortedAccordingTo((a, b) -> Instant.parse(a).compareTo(Instant.parse(b)));
        expected.forEach(thing -> given().delete("/checks/" + thing).then().statusCode(200));
    }

    @Test
    void countersAreExposedAsMetrics() {
        String thing = uniqueThing("metric");
        given().contentType(ContentType.JSON).body("{\"thingName\":\"" + thing + "\",\"disconnectedAt\":\"" + RECENT + "\"}")
                .post("/checks").then().statusCode(201);

        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();

        assertThat(metrics).containsPattern("shadowcast_presence_events_total\\{outcome=\"scheduled\"\\} [1-9]")
                .contains("shadowcast_presence_checks_total{outcome=\"suppressed\",reason=\"reconnected\"}");
        given().delete("/checks/" + thing).then().statusCode(200);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"disconnectedAt\":\"2099-01-01T00:00:00Z\"}           | thingName",
            "{\"thingName\":\"no spaces allowed\"}                    | thingName",
            "{\"thingName\":42}                                       | thingName",
            "{\"thingName\":\"ok\",\"disconnectedAt\":\"yesterday\"}  | disconnectedAt",
            "{\"thingName\":\"ok\",\"extra\":1}                       | extra",
            "not json                                                 | body",
            "[]                                                       | body",
    })
    void badBodiesAreRejectedNamingTheField(String body, String field) {
        given().contentType(ContentType.JSON).body(body.strip()).post("/checks")
                .then().statusCode(400).contentType(ContentType.JSON)
                .body("field", equalTo(field.strip()));
    }

    @Test
    void disconnectedAtInEpochMillisecondsIsRefusedWithAHint() {
        String thing = uniqueThing("millis");
        long millis = System.currentTimeMillis();

        given().contentType(ContentType.JSON)
                .body("{\"thingName\":\"" + thing + "\",\"disconnectedAt\":" + millis + "}")
                .post("/checks")
                .then().statusCode(400).contentType(ContentType.JSON)
                .body("field", equalTo("disconnectedAt"))
                .body("message", containsString("milliseconds"));
        given().get("/checks/" + thing).then().statusCode(404);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"2099-01-01T00:00:00Z\"  | is in the future",
            "\"2020-01-01T00:00:00Z\"  | is older than the retention",
            "4102444800              | is in the future",
    })
    void disconnectedAtOutsideTheAcceptedWindowIsRefused(String value, String message) {
        String thing = uniqueThing("window");

        given().contentType(ContentType.JSON)
                .body("{\"thingName\":\"" + thing + "\",\"disconnectedAt\":" + value.strip() + "}")
                .post("/checks")
                .then().statusCode(400).contentType(ContentType.JSON)
                .body("field", equalTo("disconnectedAt"))
                .body("message", containsString(message.strip()));
        given().get("/checks/" + thing).then().statusCode(404);
    }

    @Test
    void badQueryAndPathParametersAreRejectedAsJson() {
        given().queryParam("limit", 0).get("/checks").then().statusCode(400).body("field", equalTo("limit"));
        given().queryParam("limit", "ten").get("/checks").then().statusCode(400).body("field", equalTo("limit"));
        given().queryParam("after", "%%%").get("/checks").then().statusCode(400).body("field", equalTo("after"));
        given().get("/checks/bad%23name").then().statusCode(400).body("field", equalTo("thingName"));
    }
}
