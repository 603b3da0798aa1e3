package io.shadowcast.ui;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.shadowcast.config.RolloutConfig;
import io.shadowcast.testing.IotSimulator;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The status page in headless Chromium against the running application, during a real rollout:
 * S3 upload on moto, SQS, the rollout consumer, shadow writes paced at {@link PacedRollouts#RATE}/s to
 * the IoT simulator, the record in DynamoDB on moto. The page must show the bar moving page by page,
 * then SUCCEEDED with the counts, and a check scheduled with POST /checks with its due time; polling it
 * must not Scan a table. Screenshots go to {@code target/status-page*.png}.
 */
@QuarkusTest
@TestProfile(PacedRollouts.class)
class StatusPageBrowserTest {

    /** Three pages of 250 targets (the three demo things provisioning creates included). */
    private static final long FLEET = 750;
    private static final Duration ROLLOUT_TIMEOUT = Duration.ofSeconds(40);

    @TestHTTPResource("/")
    URL root;

    @Inject S3Client s3;
    @Inject RolloutConfig config;
    IotSimulator iot;

    private ChromeDriver browser;

    @BeforeEach
    void openBrowser() {
        browser = HeadlessChromium.start();
        for (int i = iot.thingNames().size(); i < FLEET; i++) {
            iot.addThing("ui-pump-" + i);
        }
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void showsRolloutsMovingPageByPageThenSucceededAndAScheduledCheckWithItsDueTime() {
        String thing = "ui-pump-" + UUID.randomUUID().toString().substring(0, 8);
        Instant disconnectedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String dueAt = given().contentType(ContentType.JSON)
                .body("{\"thingName\":\"" + thing + "\",\"disconnectedAt\":\"" + disconnectedAt + "\"}")
                .post("/checks").then().statusCode(201).extract().path("dueAt");
        DynamoDbCalls.clear();
        browser.get(root + "?refresh=0.5");

        // The first rollout to these targets: the record knows the things listed so far, page by page.
        Watched first = watchRolloutOf(upload(), null);
        assertThat(first.updatedWhileRunning()).as("updated counts the bar showed while the first rollout ran")
                .anySatisfy(updated -> assertThat(updated).isBetween(1L, FLEET - 1L))
                .isSorted();
        assertThat(first.last().status()).isEqualTo("SUCCEEDED");
        assertThat(first.last().targets()).isEqualTo(FLEET);
        assertThat(first.last().updated()).isEqualTo(FLEET);
        assertThat(first.last().legend()).contains(String.format("%,d updated", FLEET), "0 failed", "of " + String.format("%,d", FLEET) + " targets");
        assertThat(first.last().updatedWidthPercent()).isGreaterThan(99.0);

        // The next one to the same targets: its bar fills against the total the first one had.
        Watched second = watchRolloutOf(upload(), "status-page-running.png");
        assertThat(second.runningWidths()).as("width of the updated part while the second rollout ran")
                .anySatisfy(width -> assertThat(width).isBetween(20.0, 80.0))
                .isSorted();
        assertThat(second.runningLegends()).anySatisfy(legend -> assertThat(legend).contains("of ~" + String.format("%,d", FLEET) + " expected"));
        assertThat(second.last().status()).isEqualTo("SUCCEEDED");
        assertThat(second.last().updated()).isEqualTo(FLEET);

        // the checks table is drawn again every second (time left): read a row within one drawing
        await("the scheduled check's row").atMost(Duration.ofSeconds(10)).ignoreException(StaleElementReferenceException.class)
                .untilAsserted(() -> {
                    WebElement check = browser.findElement(By.cssSelector("#checks tr[data-thing='" + thing + "']"));
                    assertThat(check.findElement(By.cssSelector(".due")).getAttribute("data-due")).isEqualTo(dueAt);
                    assertThat(check.findElement(By.cssSelector(".due")).getText()).isNotBlank();
                    assertThat(check.getText()).containsPattern("in \\d+m \\d{2}s");
                });
        assertThat(browser.findElement(By.id("health")).getText()).isEqualTo("ready: UP");
        assertThat(browser.findElement(By.id("rate")).getText()).matches("write rate [\\d,]+/s");
        PageSteps.screenshot(browser, "status-page.png");

        assertThat(DynamoDbCalls.operations()).as("DynamoDB calls while the page was open")
                .isNotEmpty().doesNotContain("Scan");
    }

    /**
     * A later version may add statuses, fields and counts: the page shows them as they come. The
     * answer of GET /rollouts is extended in the browser (the API of this version has no such record),
     * with a key that would run script if the page ever put values into it as HTML.
     */
    @Test
    void showsStatusesAndFieldsItDoesNotKnowAsTheyComeAndValuesOnlyAsText() {
        String extra = """
                {"id":"future-1","status":"ON_HOLD","reason":"a wave missed its threshold","supersededBy":"future-2",
                 "bucket":"b","key":"<img src=x onerror=\\"document.title='injected'\\">.bin","target":"all things",
                 "counts":{"targets":10,"updated":4,"skipped":0,"failed":0,"throttledRetries":0,"applied":3,"waves":2},
                 "startedAt":"2026-01-01T00:00:00Z"}""";
        PageSteps.addToEveryRolloutList(browser, extra);

        browser.get(root + "?refresh=60"); // drawn once: the elements read below stay in place
        WebElement row = PageSteps.await(browser, By.cssSelector("#rollouts tr[data-id='future-1']"));

        assertThat(row.findElement(By.cssSelector("[data-status]")).getText()).isEqualTo("ON_HOLD");
        assertThat(row.findElement(By.cssSelector("[data-status]")).getAttribute("class")).contains("other");
        assertThat(row.getText()).contains("a wave missed its threshold", "superseded by future-2", "3 applied", "2 waves",
                "4 updated");
        assertThat(row.findElement(By.linkText("future-2")).getAttribute("href")).endsWith("/rollouts/future-2");
        assertThat(row.findElement(By.cssSelector(".key")).getText()).contains("<img src=x");
        assertThat(row.findElements(By.tagName("img"))).isEmpty();
        assertThat(browser.getTitle()).isEqualTo("shadowcast");
    }

    /** A paused rollout shows why, with Resume next to Cancel. */
    @Test
    void showsAPausedRolloutWithItsReasonAndResumeNextToCancel() {
        PageSteps.addToEveryRolloutList(browser, """
                {"id":"paused-1","status":"PAUSED","reason":"wave 1: 3 of 10 updated devices disconnected within 30m",
                 "bucket":"b","key":"fw.bin","target":"all things",
                 "counts":{"targets":10,"updated":10,"skipped":0,"failed":0,"throttledRetries":0},
                 "startedAt":"2026-01-01T00:00:00Z"}""");

        browser.get(root + "?refresh=60");
        WebElement row = PageSteps.await(browser, By.cssSelector("#rollouts tr[data-id='paused-1']"));

        assertThat(row.findElement(By.cssSelector("[data-status]")).getAttribute("class")).contains("warn");
        assertThat(row.getText()).contains("wave 1: 3 of 10 updated devices disconnected within 30m");
        assertThat(row.findElements(By.cssSelector("button.resume"))).hasSize(1);
        assertThat(row.findElements(By.cssSelector("button.cancel"))).hasSize(1);
    }

    @Test
    void cancelsARunningRolloutFromThePage() {
        // an account quota of 20 updates/s: the rollout runs for half a minute however slow the machine is
        iot.setFaults(new IotSimulator.Faults(20, 0, 0, 0));
        try {
            browser.get(root + "?refresh=0.5");
            PageSteps.confirmEverything(browser);
            String id = awaitRunning(upload());

            PageSteps.click(browser, By.cssSelector("#rollouts tr[data-id='" + id + "'] button.cancel"));

            PageSteps.await(browser, By.cssSelector("#rollouts tr[data-id='" + id + "'] [data-status='CANCELLED']"));
            assertThat(given().get("/rollouts/" + id).then().statusCode(200).extract().<String>path("status"))
                    .isEqualTo("CANCELLED");
            assertThat(browser.findElements(By.cssSelector("#rollouts tr[data-id='" + id + "'] button.cancel"))).isEmpty();
        } finally {
            iot.setFaults(IotSimulator.Faults.NONE);
        }
    }

    /** The id of the rollout of this key once the API shows it running. */
    private String awaitRunning(String key) {
        return await("the rollout of " + key + " running").atMost(ROLLOUT_TIMEOUT).pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    List<Map<String, Object>> items = given().get("/rollouts?limit=5").then().statusCode(200)
                            .extract().path("items");
                    return items.stream().filter(item -> key.equals(item.get("key")) && "RUNNING".equals(item.get("status")))
                            .map(item -> (String) item.get("id")).findFirst();
                }, Optional::isPresent).get();
    }

    private String upload() {
        String key = "firmware/ui-" + UUID.randomUUID() + ".bin";
        byte[] content = new byte[4_096];
        new Random().nextBytes(content);
        s3.putObject(r -> r.bucket(config.bucket()).key(key), RequestBody.fromBytes(content));
        return key;
    }

    /** What the page showed of one rollout from its first appearance until it ended. */
    private record Watched(List<Bar> running, Bar last) {

        List<Long> updatedWhileRunning() {
            return running.stream().map(Bar::updated).distinct().toList();
        }

        List<Double> runningWidths() {
            return running.stream().map(Bar::updatedWidthPercent).distinct().toList();
        }

        List<String> runningLegends() {
            return running.stream().map(Bar::legend).distinct().toList();
        }
    }

    /** Reads the rollout's row every 100 ms until it shows a final status; screenshots it once while it runs. */
    private Watched watchRolloutOf(String key, String runningScreenshot) {
        List<Bar> running = new ArrayList<>();
        Bar last = await("the page showing the rollout of " + key + " ended").atMost(ROLLOUT_TIMEOUT)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> barOf(key).map(bar -> {
                    if (bar.status().equals("RUNNING")) {
                        if (running.stream().noneMatch(seen -> seen.updated() > 0) && bar.updated() > 0 && runningScreenshot != null) {
                            PageSteps.screenshot(browser, runningScreenshot);
                        }
                        running.add(bar);
                    }
                    return bar;
                }), bar -> bar.isPresent() && !bar.get().status().equals("RUNNING")).get();
        return new Watched(running, last);
    }

    /** What the page shows of one rollout: its status and the bar's counts, read in one go. */
    private record Bar(String status, long targets, long updated, double updatedWidthPercent, String legend) {
    }

    private Optional<Bar> barOf(String key) {
        try {
            for (WebElement row : browser.findElements(By.cssSelector("#rollouts tbody tr"))) {
                if (!row.findElement(By.cssSelector(".key")).getText().endsWith("/" + key)) {
                    continue;
                }
                WebElement bar = row.findElement(By.cssSelector(".bar"));
                List<WebElement> updated = bar.findElements(By.cssSelector(".part.updated"));
                double width = updated.isEmpty() ? 0
                        : 100.0 * updated.get(0).getRect().getWidth() / bar.getRect().getWidth();
                return Optional.of(new Bar(row.findElement(By.cssSelector("[data-status]")).getAttribute("data-status"),
                        Long.parseLong(bar.getAttribute("data-targets")), Long.parseLong(bar.getAttribute("data-updated")),
                        width, row.findElement(By.cssSelector(".counts")).getText()));
            }
            return Optional.empty();
        } catch (StaleElementReferenceException redrawn) {
            return Optional.empty();
        }
    }

}
