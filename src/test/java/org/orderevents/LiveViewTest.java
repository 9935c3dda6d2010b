package org.orderevents;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * GET / in a real headless browser (Debian's chromium): the page's script runs, reads the application's endpoints
 * and shows the figures of what the test sent. Skipped, with a message, where chromium is not installed.
 */
class LiveViewTest extends OrderEventsTestSupport {

    private static final Path CHROMIUM = Path.of(System.getProperty("test.chromium", "/usr/bin/chromium"));

    @Test
    void thePageShowsThroughputDeadLettersAndAnalyticsOfWhatHappened() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM), "chromium not found at " + CHROMIUM
                + ": skipping the live view test (apt-get install chromium, or -Dtest.chromium=/path/to/chromium)");
        sendEvent("orders", "order.created", "user_1", orderCreated(UUID.randomUUID().toString(), "user_1", "mug", 1, "12.50"));
        sendEvent("orders", "order.created", "user_2", orderCreated(UUID.randomUUID().toString(), "user_2", "mug", 2, "12.50"));
        String bad = "not json at all " + UUID.randomUUID();
        send("orders", "user_3", bad, Map.of());
        awaitAnalytics(2);
        assertThat(deadLetters("orders", bad, 4)).hasSize(4);

        String dom = render("http://localhost:" + httpPort + "/");

        assertThat(dom).contains("<td class=\"n\" id=\"total-orders\">2</td>");
        assertThat(dom).contains("<td class=\"n\" id=\"total-revenue\">37.5");
        assertThat(dom).containsPattern("id=\"exchanges-email-service\">[1-9]");
        assertThat(dom).containsPattern("id=\"dead-letters-orders-dlq\">[1-9]");
        assertThat(dom).containsPattern("id=\"parked-order-service-inventory\">[0-9]");
        // the services that can be reprocessed, none under way
        assertThat(dom).contains("<td id=\"reprocess-running-analytics-service\">no</td>", "<td id=\"reprocess-running-order-service\">no</td>",
                "<td class=\"n\" id=\"reprocess-left-order-service\">0</td>");
        assertThat(dom).contains("<span id=\"updated\">Updated ").contains("<span id=\"error\" class=\"bad\"></span>");
    }

    /** The DOM once the page's script has run: chromium --headless --dump-dom with a virtual time budget. */
    private static String render(String url) throws Exception {
        Path profile = Files.createTempDirectory("chromium-profile");
        List<String> command = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile, "--virtual-time-budget=10000", "--dump-dom", url));
        Process chromium = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String dom = new String(chromium.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(chromium.waitFor(60, TimeUnit.SECONDS)).as("chromium finished").isTrue();
        return dom;
    }
}
