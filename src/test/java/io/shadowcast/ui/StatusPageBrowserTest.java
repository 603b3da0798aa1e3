package io.shadowcast.ui;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.shadowcast.config.RolloutConfig;
import io.shadowcast.testing.IotSimulator;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
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
    private static final int FLEET = 750;
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
    void showsARolloutMovingPageByPageThenSucceededAndAScheduledCheckWithItsDueTime() throws IOException {
        String thing = "ui-pump-" + UUID.randomUUID().toString().substring(0, 8);
        Instant disconnectedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String dueAt = given().contentType(ContentType.JSON)
                .body("{\"thingName\":\"" + thing + "\",\"disconnectedAt\":\"" + disconnectedAt + "\"}")
                .post("/checks").then().statusCode(201).extract().path("dueAt");
        DynamoDbCalls.clear();

        browser.get(root + "?refresh=0.5");
        String key = "firmware/ui-" + UUID.randomUUID() + ".bin";
        byte[] content = new byte[4_096];
        new Random(7).nextBytes(content);
        s3.putObject(r -> r.bucket(config.bucket()).key(key), RequestBody.fromBytes(content));

        List<Long> updatedWhileRunning = new ArrayList<>();
        Bar last = null;
        boolean screenshotWhileRunning = false;
        long deadline = System.nanoTime() + ROLLOUT_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<Bar> bar = barOf(key);
            if (bar.isPresent()) {
                last = bar.get();
                if (last.status().equals("RUNNING")) {
                    if (updatedWhileRunning.isEmpty() || updatedWhileRunning.get(updatedWhileRunning.size() - 1) != last.updated()) {
                        updatedWhileRunning.add(last.updated());
                    }
                    if (last.updated() > 0 && !screenshotWhileRunning) {
                        screenshot("status-page-running.png");
                        screenshotWhileRunning = true;
                    }
                } else if (!last.status().equals("UNKNOWN")) {
                    break;
                }
            }
            sleep(100);
        }

        assertThat(last).as("a row for s3://%s/%s on the page", config.bucket(), key).isNotNull();
        assertThat(updatedWhileRunning).as("updated counts the bar showed while the rollout ran")
                .anySatisfy(updated -> assertThat(updated).isBetween(1L, FLEET - 1L));
        assertThat(updatedWhileRunning).as("the bar only moves forward").isSorted();
        assertThat(last.status()).isEqualTo("SUCCEEDED");
        assertThat(last.targets()).isEqualTo(iot.thingNames().size());
        assertThat(last.updated()).isEqualTo(last.targets());
        assertThat(last.legend()).contains(String.format("%,d updated", last.targets()), "0 failed");
        assertThat(last.updatedWidthPercent()).isGreaterThan(99.0);

        WebElement check = browser.findElement(By.cssSelector("#checks tr[data-thing='" + thing + "']"));
        assertThat(check.findElement(By.cssSelector(".due")).getAttribute("data-due")).isEqualTo(dueAt);
        assertThat(check.findElement(By.cssSelector(".due")).getText()).isNotBlank();
        assertThat(check.getText()).containsPattern("in \\d+m \\d{2}s");
        assertThat(browser.findElement(By.id("health")).getText()).isEqualTo("ready: UP");
        assertThat(browser.findElement(By.id("rate")).getText()).matches("write rate [\\d,]+/s");
        screenshot("status-page.png");

        assertThat(DynamoDbCalls.operations()).as("DynamoDB calls while the page was open")
                .isNotEmpty().doesNotContain("Scan");
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

    private void screenshot(String name) throws IOException {
        Path file = Path.of("target", name);
        Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), file, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
