package io.shadowcast.ui;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/** What the status page tests do in the browser besides reading: wait for an element, stub a rollout, take a screenshot. */
final class PageSteps {

    /** Generous: the page asks a busy emulator, on a build machine shared with other builds. */
    private static final Duration WAIT = Duration.ofSeconds(20);

    private PageSteps() {
    }

    static WebElement await(ChromeDriver browser, By selector) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                List<WebElement> found = browser.findElements(selector);
                if (!found.isEmpty() && found.get(0).isDisplayed()) {
                    return found.get(0);
                }
            } catch (StaleElementReferenceException redrawn) {
                // found just before a refresh replaced it: look again
            }
            sleep(100);
        }
        throw new AssertionError("the page showed no " + selector + " within " + WAIT);
    }

    /** Clicks the element as soon as the page shows it, again if the page redrew it under the click. */
    static void click(ChromeDriver browser, By selector) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                await(browser, selector).click();
                return;
            } catch (StaleElementReferenceException redrawn) {
                // the next refresh replaced the element: find it again
            }
        }
        throw new AssertionError("could not click " + selector + " within " + WAIT);
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

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
