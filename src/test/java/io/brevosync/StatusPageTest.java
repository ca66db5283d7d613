package io.brevosync;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The status page in a real headless Chromium (Debian's chromium and chromium-driver): it asks for a token, shows the
 * export, a run's progress bar moving, its history and rows, confirms a braked run's removals, and shows a connection's
 * data-privacy statement for an admin to agree to.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StatusPageTest extends ServerTest {

    private WebDriver browser;

    @Override
    protected TestServer startServer() throws Exception {
        return TestServer.start(Map.of("exports.batch-max-rows", "200"));
    }

    private WebDriver browser() {
        if (browser == null) {
            Path chromium = Path.of("/usr/bin/chromium");
            Path driver = Path.of("/usr/bin/chromedriver");
            assertTrue(Files.isExecutable(chromium) && Files.isExecutable(driver),
                    "the status page test needs Debian's chromium and chromium-driver (.ci/run installs them: apt-get install chromium chromium-driver)");
            ChromeOptions options = new ChromeOptions().setBinary(chromium.toFile())
                    .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900");
            browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile()).build(), options);
        }
        return browser;
    }

    @AfterAll
    void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    private WebDriverWait waiting(int seconds) {
        WebDriverWait wait = new WebDriverWait(browser(), Duration.ofSeconds(seconds));
        // the page renders itself again every second
        wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
        return wait;
    }

    /** The progress bar's value, or null when no run is in progress. */
    private Long bar() {
        Object value = ((org.openqa.selenium.JavascriptExecutor) browser()).executeScript("const b = document.getElementById('bar'); return b ? b.value : null;");
        return value == null ? null : ((Number) value).longValue();
    }

    /** The text an element of the page shows now, read in one script (the page may render it again between a find and a read). */
    private String text(String id) {
        Object value = ((org.openqa.selenium.JavascriptExecutor) browser()).executeScript("const e = document.getElementById(arguments[0]); "
                + "return e ? e.innerText : null;", id);
        return value == null ? "" : value.toString();
    }

    /** Clicks what the page shows now (it may render it again in between: then on the new one). */
    private void click(By what) {
        waiting(10).until(d -> {
            d.findElement(what).click();
            return true;
        });
    }

    @Test
    @Order(1)
    void the_page_asks_for_a_token_then_shows_the_export() {
        WebDriver page = browser();
        page.get("http://localhost:" + server.port() + "/status");
        page.findElement(By.id("token")).sendKeys("not-a-token");
        page.findElement(By.cssSelector("#login button")).click();
        waiting(10).until(d -> d.findElement(By.id("error")).getText().startsWith("401"));
        page.findElement(By.id("token")).clear();
        page.findElement(By.id("token")).sendKeys(TestServer.TOKEN);
        page.findElement(By.cssSelector("#login button")).click();
        waiting(10).until(d -> d.findElement(By.id("exports")).getText().contains("newsletter"));
        assertTrue(text("me").contains("(admin)"), text("me"));
        assertTrue(text("exports").contains("0 0 0 1 1 ? 2099 (UTC)"), text("exports"));
    }

    @Test
    @Order(2)
    void a_run_started_from_the_page_shows_its_progress_bar_moving() throws Exception {
        // a first run: the next one's percentage is of the rows it read
        server.runAndWait("newsletter");
        // every profile changed since: the run the page starts sends them all, one batch of 200 at a time, 400 ms a call
        server.sql("update profile set first_name = coalesce(first_name, '') || 'x'");
        server.sandbox().faults().latencyMs(400);
        WebDriver page = browser();
        click(By.cssSelector("button.start[data-export='newsletter']"));
        waiting(20).until(d -> bar() != null);
        long first = bar();
        waiting(30).until(d -> bar() == null || bar() > first);
        // (a run that ended first would leave no bar: the assertion below says so)
        Long moved = bar();
        assertTrue(moved != null && moved > first, "the bar moved from " + first + " to " + moved + " while the run ran");
        Files.createDirectories(Path.of("target"));
        Files.write(Path.of("target/status-page.png"), ((TakesScreenshot) page).getScreenshotAs(OutputType.BYTES));
        server.sandbox().faults().clear();
        waiting(60).until(d -> d.findElements(By.id("bar")).isEmpty() && d.findElement(By.id("history")).getText().contains("succeeded"));
        click(By.cssSelector("#history button.rows"));
        waiting(10).until(d -> d.findElement(By.id("rows")).getText().contains("not a valid address"));
        Thread.sleep(1500);
        assertTrue(text("rows").contains("not a valid address"), "the rows stay while the page renders itself again");
    }

    @Test
    @Order(3)
    void a_braked_run_is_confirmed_from_the_page() throws Exception {
        server.sql("delete from segment_member where profile_id in (select profile_id from segment_member order by profile_id limit "
                + "(select count(*) / 3 from segment_member))");
        var braked = server.runAndWait("newsletter");
        assertEquals("needs_confirmation", braked.get("status").asText(), braked.toString());
        WebDriver page = browser();
        waiting(10).until(d -> !d.findElements(By.id("confirm")).isEmpty());
        click(By.id("confirm"));
        TestServer.await("the braked run confirmed", Duration.ofSeconds(30), () -> {
            try {
                return server.strings("select status from export_run where id = " + braked.get("id").asLong()).get(0).startsWith("succeeded");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        waiting(10).until(d -> d.findElements(By.id("confirm")).isEmpty());
    }

    @Test
    @Order(4)
    void an_admin_reads_a_connections_statement_and_agrees_to_it_on_the_page() throws Exception {
        // the consent recorded at start-up (access.record-consent-as) withdrawn: the connection runs nothing until an admin agrees
        server.sql("update connection_policy set consent_version = null, consent_by = null, consent_at = null where name = 'default'");
        waiting(10).until(d -> text("connections").contains("no consent to version 2026-12"));
        click(By.cssSelector("button.statement[data-connection='default']"));
        waiting(10).until(d -> text("statement").contains("data-privacy statement, version 2026-12"));
        assertTrue(text("statement").contains("Brevo"), "the statement's text: " + text("statement"));
        click(By.id("agree"));
        waiting(10).until(d -> text("statement").contains("Agreed by"));
        waiting(10).until(d -> text("connections").contains("version 2026-12 by"));
        assertEquals(java.util.List.of("2026-12"), server.strings("select consent_version from connection_policy where name = 'default'"));
        TestServer.await("the agreement audited", Duration.ofSeconds(10), () -> {
            try {
                return !server.strings("select id from audit_log where action = 'POST /api/connections/default/consent' and status = 200").isEmpty();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
