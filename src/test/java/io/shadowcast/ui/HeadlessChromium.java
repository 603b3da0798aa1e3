package io.shadowcast.ui;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's {@code chromium} driven through its {@code chromedriver}, both given by path so that
 * Selenium never looks for (or downloads) a browser or driver itself. {@code CHROMIUM_BINARY} and
 * {@code CHROMEDRIVER} override the Debian paths. Missing outside CI: the test is skipped saying so;
 * missing in CI ({@code CI} set): the test fails.
 */
final class HeadlessChromium {

    private static final List<String> BINARIES = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser");
    private static final List<String> DRIVERS = List.of("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");
    /** What headless Chromium needs on a build machine without a display, a sandbox or a network. */
    private static final List<String> FLAGS = List.of("--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=en-GB");

    private HeadlessChromium() {
    }

    static ChromeDriver start() {
        List<String> binaries = candidates("CHROMIUM_BINARY", BINARIES);
        List<String> drivers = candidates("CHROMEDRIVER", DRIVERS);
        Optional<Path> binary = firstExecutable(binaries);
        Optional<Path> driver = firstExecutable(drivers);
        if (binary.isEmpty() || driver.isEmpty()) {
            String missing = "the status page test needs Debian's chromium and chromium-driver "
                    + "(apt-get install -y chromium chromium-driver); not found: "
                    + (binary.isEmpty() ? "chromium " + binaries + " " : "")
                    + (driver.isEmpty() ? "chromedriver " + drivers : "");
            if (System.getenv("CI") != null && !System.getenv("CI").isBlank()) {
                Assertions.fail(missing);
            }
            // the console shows a skipped test only as a number: say why where people look
            System.err.println("Skipping: " + missing);
            Assumptions.abort(missing);
        }
        ChromeOptions options = new ChromeOptions().setBinary(binary.get().toFile()).addArguments(FLAGS);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(driver.get().toFile())
                .usingAnyFreePort()
                .withTimeout(Duration.ofSeconds(30))
                .build();
        return new ChromeDriver(service, options);
    }

    private static List<String> candidates(String variable, List<String> defaults) {
        String override = System.getenv(variable);
        return override == null || override.isBlank() ? defaults : List.of(override);
    }

    private static Optional<Path> firstExecutable(List<String> candidates) {
        return candidates.stream().map(Path::of).filter(Files::isExecutable).findFirst();
    }
}
