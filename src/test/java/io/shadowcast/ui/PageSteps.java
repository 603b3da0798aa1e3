package io.shadowcast.ui;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;
import java.util.Map;
import org.awaitility.Awaitility;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/** What the status page tests do in the browser besides reading: wait for an element, click, stub a rollout, take a screenshot. */
final class PageSteps {

    /** Generous: the page asks a busy emulator, on a build machine shared with other builds. */
    private static final Duration WAIT = Duration.ofSeconds(20);

    private PageSteps() {
    }

    static WebElement await(ChromeDriver browser, By selector) {
        return Awaitility.await("the page showing " + selector).atMost(WAIT).pollInterval(Duration.ofMillis(100))
                .ignoreException(StaleElementReferenceException.class)
                .until(() -> browser.findElements(selector).stream().filter(WebElement::isDisplayed).findFirst(),
                        Optional::isPresent)
                .get();
    }

    /** Clicks the element as soon as the page shows it, again if the page redrew it under the click. */
    static void click(ChromeDriver browser, By selector) {
        Awaitility.await("a click on " + selector).atMost(WAIT).ignoreException(StaleElementReferenceException.class)
                .until(() -> {
                    await(browser, selector).click();
                    return true;
                });
    }

    /**
     * From the next page load on, every {@code GET /rollouts} answer the page receives starts with this
     * record: a rollout the running application cannot produce (a later version's status, a stuck one).
     */
    static void addToEveryRolloutList(ChromeDriver browser, String recordJson) {
        browser.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", """
                const realFetch = window.fetch.bind(window);
                window.fetch = async (url, options) => {
                  const response = await realFetch(url, options);
                  if (!String(url).startsWith('rollouts?')) return response;
                  const page = await response.json();
                  page.items.unshift(%s);
                  return new Response(JSON.stringify(page), {status: 200, headers: {'Content-Type': 'application/json'}});
                };""".formatted(recordJson)));
    }

    /** Answers the page's "Cancel the rollout ...?" question with yes. */
    static void confirmEverything(ChromeDriver browser) {
        browser.executeScript("window.confirm = () => true;");
    }

    static void screenshot(ChromeDriver browser, String name) {
        try {
            Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), Path.of("target", name),
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
