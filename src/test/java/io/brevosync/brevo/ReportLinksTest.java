package io.brevosync.brevo;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A report link is fetched within its bounds and with no credential, and its CSV read leniently: the columns Brevo
 * does not document, either delimiter, any case, quoted fields; what is not a report is said so.
 */
class ReportLinksTest {

    private HttpServer server;
    private final Map<String, String> seenHeaders = new ConcurrentHashMap<>();
    private String base;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/report.csv", exchange -> {
            exchange.getRequestHeaders().forEach((name, values) -> seenHeaders.put(name.toLowerCase(), values.get(0)));
            answer(exchange, 200, "text/csv", "EMAIL;ERROR\na@example.com;Invalid email address\n");
        });
        server.createContext("/once", exchange -> redirect(exchange, "/report.csv"));
        server.createContext("/twice", exchange -> redirect(exchange, "/once"));
        server.createContext("/nohost", exchange -> redirect(exchange, "https:///report.csv"));
        server.createContext("/elsewhere", exchange -> redirect(exchange, "http://127.0.0.2:" + server.getAddress().getPort() + "/report.csv"));
        server.createContext("/big", exchange -> answer(exchange, 200, "text/csv", "EMAIL\n" + "x@example.com\n".repeat(2_000)));
        server.createContext("/html", exchange -> answer(exchange, 200, "text/html", "<html>Sign in</html>"));
        server.createContext("/gone", exchange -> answer(exchange, 404, "application/xml", "<Error>AccessDenied</Error>"));
        server.createContext("/slow", exchange -> {
            try {
                Thread.sleep(1_500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            answer(exchange, 200, "text/csv", "EMAIL\n");
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void a_link_is_fetched_with_no_credential_following_one_redirect_within_its_bounds() throws Exception {
        ReportLinks links = new ReportLinks(Duration.ofMillis(800), 4_096);
        String report = links.fetch(base + "/once?X-Amz-Signature=secret", base + "/v3");
        assertEquals("EMAIL;ERROR\na@example.com;Invalid email address\n", report);
        assertNull(seenHeaders.get("api-key"));
        assertNull(seenHeaders.get("authorization"));
        assertNull(seenHeaders.get("cookie"));

        assertTrue(refused(links, base + "/twice", base).contains("redirected more than once"));
        assertTrue(refused(links, base + "/elsewhere", base).contains("fetched over HTTPS only"), "plain HTTP to another host than the connection's");
        assertTrue(refused(links, base + "/report.csv", "https://api.brevo.com/v3").contains("fetched over HTTPS only"));
        assertTrue(refused(links, base + "/big", base).contains("larger than 4096 bytes"));
        assertTrue(refused(links, base + "/html", base).contains("is not a CSV report"));
        assertTrue(refused(links, base + "/gone", base).contains("answered 404 (the link has expired or is gone)"));
        assertTrue(refused(links, base + "/slow", base).contains("did not answer within PT0.8S"));
        assertTrue(refused(links, "not a link", base).contains("not a URL"));
        assertTrue(refused(links, base + "/nohost", base).contains("fetched over HTTPS only"), "a redirect to no host");
        assertTrue(refused(links, base + "/report.csv", "http://127.0.0.1:1/v3".replace("http:", "https:")).contains("fetched over HTTPS only"),
                "plain HTTP to the base host only when the base is plain HTTP");
        String message = refused(links, base + "/gone?X-Amz-Signature=secret", base);
        assertFalse(message.contains("secret"), "a link's query string, maybe its signature, is never shown: " + message);
    }

    @Test
    void reports_are_read_leniently() throws Exception {
        List<ImportReport.Line> lines = ImportReport.parse("\uFEFFemail,Sms,FirstName,Error Message\r\n"
                + "A@Example.com,,\"Ann, \"\"the first\"\"\",Invalid email\r\n\r\n,+33612345678,Bob,\"SMS is already\nassociated\"\r\n");
        assertEquals(2, lines.size());
        assertEquals(Map.of("EMAIL", "A@Example.com"), lines.get(0).identifiers());
        assertEquals("Invalid email", lines.get(0).reason(), "the column named like a reason, not the attributes");
        assertEquals(Map.of("SMS", "+33612345678"), lines.get(1).identifiers());
        assertEquals("SMS is already\nassociated", lines.get(1).reason());

        List<ImportReport.Line> unnamed = ImportReport.parse("EMAIL;FIRSTNAME;CODE\nb@example.com;Bo;E42\n");
        assertEquals("FIRSTNAME=Bo; CODE=E42", unnamed.get(0).reason(), "without a reason column, every other column");

        var html = assertThrows(ReportLinks.Unreadable.class, () -> ImportReport.parse("<html><body>Service unavailable</body></html>"));
        assertTrue(html.getMessage().contains("not CSV with an identifier column"), html.getMessage());
        assertThrows(ReportLinks.Unreadable.class, () -> ImportReport.parse(""));
    }

    private static String refused(ReportLinks links, String link, String base) {
        return assertThrows(ReportLinks.Unreadable.class, () -> links.fetch(link, base + "/v3")).getMessage();
    }

    private static void redirect(com.sun.net.httpserver.HttpExchange exchange, String location) throws java.io.IOException {
        exchange.getResponseHeaders().set("Location", location);
        exchange.sendResponseHeaders(302, -1);
        exchange.close();
    }

    private static void answer(com.sun.net.httpserver.HttpExchange exchange, int status, String type, String body) throws java.io.IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
