package org.orderevents.fault;

import org.orderevents.TestHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.orderevents.TestBroker;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The database is unreachable long enough for every retry to fail: the events are dead-lettered with the failure's
 * headers, the partitions flow on, and once the database is back a replay processes each of them exactly once.
 */
class DatabaseOutageTest extends FaultTestSupport {

    private static final int BEFORE = 20;
    private static final int DURING = 6;
    private static final int AFTER = 20;
    private static final int STOCK = 1_000_000;
    private static final List<String> ORDERS_GROUPS = List.of("email-service", "inventory-service", "order-service", "analytics-service");
    private DatabaseServer database;

    @BeforeEach
    void startDatabase() throws Exception {
        database = new DatabaseServer(dataDir.resolve("h2"));
    }

    @AfterEach
    void stopDatabase() {
        database.close();
    }

    @Override
    String dbUrl() {
        return database.url();
    }

    @Test
    void eventsThatExhaustTheirRetriesAreDeadLetteredAndAReplayAfterRecoveryProcessesThemOnce() throws Exception {
        String run = "dbdown-" + UUID.randomUUID();
        TestBroker.moveGroupsToEnd();
        seedDatabase("sticker", STOCK);
        Map<String, String> properties = new HashMap<>(appProperties());
        properties.put("admin.token", "outage-test-token");
        // each attempt waits this long for a connection that cannot come: 4 attempts per event and group
        properties.put("db.connection-timeout-ms", "500");

        try (AppProcess app = AppProcess.start(properties, log("db-outage"))) {
            publishOrders(run + "-before", BEFORE, "sticker");
            Poll.until("the first orders confirmed", Duration.ofMinutes(2),
                    () -> countEvents("orders", run, "order.status_changed")[0] == BEFORE);

            database.stop();
            Set<String> during = publishOrders(run + "-during", DURING, "sticker");
            Poll.until(DURING + " events dead-lettered by each of the 4 groups", Duration.ofMinutes(3),
                    () -> deadLetters("orders.dlq", run + "-during").size() == DURING * ORDERS_GROUPS.size());
            database.start();
            // "after the outage" from the application's side: its pool has connections again (it needs a few hundred ms)
            Poll.until("the database check UP again", Duration.ofSeconds(30), () -> TestHttp.send(
                    HttpRequest.newBuilder(URI.create("http://localhost:" + properties.get("http.port") + "/observe/health/ready"))
                            .build()).statusCode() == 200);

            publishOrders(run + "-after", AFTER, "sticker");
            Poll.until("the orders after the outage confirmed", Duration.ofMinutes(2),
                    () -> countEvents("orders", run + "-after", "order.status_changed")[0] == AFTER);

            // this run's dead letters only: the topic also holds other tests' ones
            String offsets = deadLetters("orders.dlq", run + "-during").stream()
                    .map(l -> "{\"partition\":" + l.get(DLQ_PARTITION) + ",\"offset\":" + l.get(DLQ_OFFSET) + "}")
                    .collect(Collectors.joining(","));
            String replayed = replay(properties.get("http.port"), properties.get("admin.token"),
                    "{\"topic\":\"orders.dlq\",\"offsets\":[" + offsets + "]}");
            assertThat(replayed).contains("\"replayed\":" + DURING * ORDERS_GROUPS.size());
            awaitAllProcessed(run, BEFORE + DURING + AFTER, Duration.ofMinutes(3));
            assertThat(app.stop()).isIn(0, 130, 143);

            List<Map<String, String>> letters = deadLetters("orders.dlq", run + "-during");
            for (Map<String, String> letter : letters) {
                assertThat(letter).containsKeys("dlq.original.partition", "dlq.original.offset", "dlq.exception.stacktrace",
                        "dlq.failed.at", "dlq.route");
                assertThat(letter.get("dlq.original.topic")).isEqualTo("orders");
                assertThat(letter.get("dlq.attempts")).isEqualTo("4");
                assertThat(letter.get("dlq.exception.class")).contains("SQL");
            }
            assertThat(letters).extracting(letter -> letter.get("dlq.consumer.group"))
                    .containsOnly(ORDERS_GROUPS.toArray(String[]::new)).hasSize(DURING * ORDERS_GROUPS.size());
            System.out.printf("database outage test: %d events while the database was down (%d dead letters), %d before, "
                    + "%d after; replayed %s%n", DURING, letters.size(), BEFORE, AFTER, replayed);
            assertThat(during).hasSize(DURING);
        }

        int events = BEFORE + DURING + AFTER;
        long confirmed = queryLong("SELECT COUNT(*) FROM orders WHERE status = 'confirmed'");
        long stockTaken = STOCK - queryLong("SELECT available FROM stock WHERE product_id = 'sticker'");
        long analyticsOrders = queryLong("SELECT total_orders FROM analytics_totals");
        long emails = queryLong("SELECT COUNT(*) FROM email_outbox");
        long files = emailFiles();
        System.out.printf("database outage test: confirmed %d, stock taken %d, analytics orders %d, e-mails %d (%d files); "
                + "lost %d, duplicated %d%n", confirmed, stockTaken, analyticsOrders, emails, files,
                events - Math.min(confirmed, Math.min(stockTaken, analyticsOrders)), Math.max(0, Math.max(stockTaken, analyticsOrders) - events));
        assertThat(confirmed).isEqualTo(events);
        assertThat(stockTaken).isEqualTo(events);
        assertThat(analyticsOrders).isEqualTo(events);
        assertThat(queryLong("SELECT total_revenue FROM analytics_totals")).isEqualTo(events);
        assertThat(emails).isEqualTo(2L * events);
        assertThat(files).isEqualTo(2L * events);
        assertThat(countEvents("orders", run, "order.status_changed")[0]).isEqualTo(events);
        assertThat(countEvents("inventory", run, "inventory.reserved")[0]).isEqualTo(events);
        assertThat(totalLag()).isZero();
    }

    private static String replay(String port, String token, String body) throws Exception {
        HttpResponse<String> response = TestHttp.send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/dlq/replay"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body();
    }
}
