package org.orderevents.fault;

import org.junit.jupiter.api.Test;
import org.orderevents.OrderRequest;
import org.orderevents.Poll;
import org.orderevents.TestBroker;
import org.orderevents.TestHttp;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The database stops while events flow and batches are in flight, for 15 s and for 60 s: the consumers wait for it
 * (readiness DOWN naming the database, liveness UP) and go on once it is back. Nothing is dead-lettered or parked
 * because of the outage, and every event has its effect exactly once. An order placed at the API meanwhile is refused
 * with 503 and nothing of it published; the client's retry with its Idempotency-Key, once the database is back, makes
 * one order.
 */
class DatabaseOutageTest extends ServerDatabaseTestSupport {

    private static final int BEFORE = 20;
    private static final int IN_FLIGHT = 300;
    private static final int DURING = 50;
    private static final int AFTER = 20;
    private static final int AT_THE_API = 1;
    private static final int STOCK = 1_000_000;

    @Test
    void anOutageOf15SecondsPausesTheConsumersAndLosesOrRepeatsNothing() throws Exception {
        outage(Duration.ofSeconds(15));
    }

    @Test
    void anOutageOf60SecondsPausesTheConsumersAndLosesOrRepeatsNothing() throws Exception {
        outage(Duration.ofSeconds(60));
    }

    private void outage(Duration length) throws Exception {
        String run = "dbdown-" + UUID.randomUUID();
        TestBroker.moveGroupsToEnd();
        seedDatabase("sticker", STOCK);
        Map<String, String> properties = new HashMap<>(appProperties());
        properties.put("db.connection-timeout-ms", "1000");
        String port = properties.get("http.port");

        try (AppProcess app = AppProcess.start(properties, log("db-outage-" + length.toSeconds() + "s"))) {
            publishOrders(run + "-before", BEFORE, "sticker");
            Poll.until("the first orders confirmed", Duration.ofMinutes(2),
                    () -> published("orders", run, "order.status_changed").events() == BEFORE);

            // a burst the services are still working through when the database goes, and more while it is away
            publishOrders(run + "-inflight", IN_FLIGHT, "sticker");
            database.stop();
            Instant back = Instant.now().plus(length);
            publishOrders(run + "-during", DURING, "sticker");
            String order = OrderRequest.of(run + "-api").item("sticker", 1, "1").json();
            String key = UUID.randomUUID().toString();
            HttpResponse<String> refused = placeOrder(port, order, key);
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
            assertThat(refused.body()).contains("Database unavailable", "nothing was saved");
            // every reading during the outage: not ready, naming the database; alive
            Poll.until("the end of the " + length.toSeconds() + " s outage", length.plusSeconds(30), () -> {
                HttpResponse<String> ready = health(port, "ready");
                assertThat(ready.statusCode()).as(ready.body()).isEqualTo(503);
                assertThat(ready.body()).contains("\"database\"");
                assertThat(health(port, "live").statusCode()).isEqualTo(200);
                return Instant.now().isAfter(back);
            });
            database.start();
            Poll.until("ready again", Duration.ofSeconds(60), () -> health(port, "ready").statusCode() == 200);
            HttpResponse<String> placed = placeOrder(port, order, key);
            assertThat(placed.statusCode()).as(placed.body()).isEqualTo(201);
            assertThat(placeOrder(port, order, key).body()).as("the same key: the first answer").isEqualTo(placed.body());

            publishOrders(run + "-after", AFTER, "sticker");
            awaitAllProcessed(run, BEFORE + IN_FLIGHT + DURING + AFTER + AT_THE_API, Duration.ofMinutes(3));
            assertThat(app.stop()).isIn(0, 130, 143);
        }

        int events = BEFORE + IN_FLIGHT + DURING + AFTER + AT_THE_API;
        long confirmed = queryLong("SELECT COUNT(*) FROM orders WHERE status = 'confirmed'");
        long stockTaken = STOCK - queryLong("SELECT available FROM stock WHERE product_id = 'sticker'");
        long analyticsOrders = queryLong("SELECT total_orders FROM analytics_totals");
        long emails = queryLong("SELECT COUNT(*) FROM email_outbox");
        long deadLetters = deadLetters("orders.dlq", run).size() + deadLetters("inventory.dlq", run).size();
        long parked = queryLong("SELECT COUNT(*) FROM parked_events");
        System.out.printf("database outage test (%d s): %d events; confirmed %d, stock taken %d, analytics orders %d, "
                + "e-mails %d (%d files), dead letters %d, parked %d%n", length.toSeconds(), events, confirmed, stockTaken,
                analyticsOrders, emails, emailFiles(), deadLetters, parked);
        assertThat(deadLetters).as("dead letters").isZero();
        assertThat(parked).as("parked records").isZero();
        assertThat(published("orders", run, "order.status_changed").events()).isEqualTo(events);
        assertThat(published("orders", run + "-api", "order.created").records()).as("the API's order, published once").isEqualTo(1);
        assertThat(published("inventory", run, "inventory.reserved").events()).isEqualTo(events);
        assertThat(confirmed).isEqualTo(events);
        assertThat(stockTaken).isEqualTo(events);
        assertThat(analyticsOrders).isEqualTo(events);
        assertThat(queryLong("SELECT total_revenue FROM analytics_totals")).isEqualTo(events);
        assertThat(emails).isEqualTo(2L * events);
        assertThat(emailFiles()).isEqualTo(2L * events);
        assertThat(totalLag()).isZero();
    }

    private static HttpResponse<String> placeOrder(String port, String body, String idempotencyKey) throws Exception {
        return TestHttp.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/orders"))
                .header("Content-Type", "application/json").header("Idempotency-Key", idempotencyKey)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private static HttpResponse<String> health(String port, String kind) throws Exception {
        return TestHttp.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/observe/health/" + kind)).build());
    }
}
