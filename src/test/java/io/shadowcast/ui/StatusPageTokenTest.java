package io.shadowcast.ui;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.shadowcast.testing.AuthOn;
import java.net.URL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * With the bearer token required, the page still reads everything without one; its Cancel button asks
 * for the token at the first 401 and sends it from then on. The running rollout is added to the page's
 * rollout list in the browser, so the cancel reaches the real API, which answers 404 for it.
 */
@QuarkusTest
@TestProfile(AuthOn.class)
class StatusPageTokenTest {

    private static final String STUCK = """
            {"id":"stuck-1","status":"RUNNING","bucket":"shadowcast-artifacts","key":"firmware/stuck.bin",
             "target":"all things","counts":{"targets":250,"updated":250,"skipped":0,"failed":0,"throttledRetries":0},
             "startedAt":"2026-01-01T00:00:00Z"}""";

    @TestHTTPResource("/")
    URL root;

    private ChromeDriver browser;

    @BeforeEach
    void openBrowser() {
        browser = HeadlessChromium.start();
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void cancelAsksForTheTokenAtTheFirstRefusalAndSendsItFromThenOn() {
        PageSteps.addToEveryRolloutList(browser, STUCK);
        browser.get(root + "?refresh=60");
        PageSteps.confirmEverything(browser);
        assertThat(PageSteps.await(browser, By.id("health")).getText()).isNotEqualTo("unreachable");
        By cancel = By.cssSelector("#rollouts tr[data-id='stuck-1'] button.cancel");

        PageSteps.await(browser, cancel).click();
        PageSteps.await(browser, By.id("token")).sendKeys(AuthOn.TOKEN);
        assertThat(browser.findElement(By.id("action-error")).getText()).contains("bearer token");
        browser.findElement(By.cssSelector("#token-form button")).click();
        assertThat(browser.findElement(By.id("token-section")).isDisplayed()).isFalse();
        PageSteps.await(browser, cancel).click();

        // the API got the token: not 401 again, but its answer for a rollout it does not have
        PageSteps.await(browser, By.xpath("//*[@id='action-error' and contains(., 'no rollout stuck-1')]"));
        assertThat(browser.findElement(By.id("token-section")).isDisplayed()).isFalse();
    }
}
