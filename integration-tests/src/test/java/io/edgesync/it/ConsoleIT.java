package io.edgesync.it;

import io.edgesync.testing.PeerProcess;
import io.edgesync.testing.Peers;
import io.edgesync.testing.PyFtpd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

import java.io.File;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The board's own page ({@code GET /}) in a real browser (Debian's headless chromium through chromedriver),
 * against the packaged agent and a real upstream: it loads with no console error, shows a delivered file
 * within seconds of its upload, takes the token and pauses an upstream, and shows it paused. Its screenshot
 * goes to {@code target/console.png} (the README's picture).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ConsoleIT {
    @TempDir
    Path dir;

    private static WebDriver browser() {
        Path chromium = Path.of("/usr/bin/chromium");
        Path driver = Path.of("/usr/bin/chromedriver");
        if (!Files.isExecutable(chromium) || !Files.isExecutable(driver)) {
            Peers.missingSetup("chromium and chromium-driver (Debian packages; src/build/peers installs them)");
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1200,2200", "--no-first-run", "--disable-extensions");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    /** The browser console's errors since the last look (reading them empties the log). */
    private static List<LogEntry> severe(WebDriver browser) {
        return browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).toList();
    }

    private static String text(WebDriver page, String id) {
        return page.findElement(By.id(id)).getText();
    }

    @Test
    void thePageShowsADeliveryWithinSecondsAndPausesAnUpstreamWithTheToken() throws Exception {
        try (PyFtpd upstream = PyFtpd.start(dir.resolve("upstream"))) {
            int ftp = PeerProcess.freePort();
            int http = PeerProcess.freePort();
            String yaml = AgentProcess.yaml(dir.resolve("data"), ftp, http,
                    AgentProcess.upstream("hq", upstream.port(), PyFtpd.USER, PyFtpd.PASSWORD), "broker: \"\"");
            try (AgentProcess agent = new AgentProcess(dir.resolve("agent"), yaml, ftp, http, Map.of()).start(true)) {
                HttpResponse<String> page = agent.get("/");
                assertThat(page.statusCode()).isEqualTo(200);
                assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp ->
                        assertThat(csp).contains("script-src 'self'"));
                WebDriver browser = browser();
                try {
                    browser.get("http://127.0.0.1:" + http + "/");
                    await().atMost(Duration.ofSeconds(10)).until(() -> text(browser, "upstreams").contains("hq"));
                    assertThat(text(browser, "health")).isEqualTo("healthy");
                    assertThat(browser.findElements(By.cssSelector("#upstreams button"))).as("read-only").isEmpty();

                    assertThat(Devices.upload(ftp, "cam", "cam-pw-secret", "", "gate-0001.jpg",
                            Devices.randomBytes(40_000, 1))).isEqualTo(226);
                    long uploaded = System.nanoTime();
                    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                            .until(() -> text(browser, "recent").contains("gate-0001.jpg"));
                    double seconds = (System.nanoTime() - uploaded) / 1e9;
                    System.out.printf("the page showed the delivery %.1f s after the upload's 226%n", seconds);
                    assertThat(text(browser, "recent")).contains("delivered");
                    assertThat(text(browser, "devices")).contains("cam");

                    assertThat(severe(browser)).as("the browser's console errors while it loads and updates").isEmpty();
                    // a wrong token: the buttons come (reads need no token here), the agent refuses it at the first
                    // click, and the field is back with the reason
                    browser.findElement(By.id("token")).sendKeys("not-the-token-0123456789");
                    browser.findElement(By.cssSelector("#login button")).click();
                    await().atMost(Duration.ofSeconds(10)).until(() ->
                            !browser.findElements(By.cssSelector("[data-upstream=hq] button")).isEmpty());
                    browser.findElement(By.cssSelector("[data-upstream=hq] button")).click();
                    await().atMost(Duration.ofSeconds(10)).until(() -> text(browser, "reply").contains("refused")
                            && browser.findElement(By.id("login")).isDisplayed());
                    assertThat(agent.get("/api/v1/status").body()).contains("\"paused\":false");

                    browser.findElement(By.id("token")).sendKeys(AgentProcess.TOKEN);
                    browser.findElement(By.cssSelector("#login button")).click();
                    await().atMost(Duration.ofSeconds(10)).until(() ->
                            !browser.findElements(By.cssSelector("[data-upstream=hq] button")).isEmpty());
                    browser.findElement(By.cssSelector("[data-upstream=hq] button")).click();
                    await().atMost(Duration.ofSeconds(10)).until(() ->
                            browser.findElement(By.cssSelector("[data-upstream=hq] .badge")).getText().equals("paused"));
                    assertThat(agent.get("/api/v1/status").body()).contains("\"paused\":true");
                    assertThat(browser.getPageSource()).doesNotContain(AgentProcess.TOKEN)
                            .doesNotContain(PyFtpd.PASSWORD);

                    File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
                    Path target = Path.of("target/console.png");
                    Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
                    assertThat(Files.size(target)).isGreaterThan(10_000);

                    assertThat(severe(browser)).as("the browser's console errors since: the wrong token's 401 only")
                            .allSatisfy(e -> assertThat(e.getMessage()).contains("/api/v1/commands/pause")
                                    .contains("401"));
                } finally {
                    browser.quit();
                }
            }
        }
    }
}
