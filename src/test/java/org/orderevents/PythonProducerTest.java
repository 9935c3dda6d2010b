package org.orderevents;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Events exactly as the seed system's Python order service writes them with kafka-python: values from
 * {@code json.dumps(v).encode('utf-8')} (", " and ": " separators, \\uXXXX escapes, floats such as 91.0), times from
 * {@code datetime.utcnow().isoformat()} (no offset), no record headers, order.created keyed by user_id and
 * order.status_changed keyed by order_id without user_id in its data. Each service handles them as it handles ours.
 */
class PythonProducerTest extends OrderEventsTestSupport {

    @Test
    void everyServiceHandlesThePythonOrderServicesEventsAsOurs() throws Exception {
        String first = UUID.randomUUID().toString();
        String second = UUID.randomUUID().toString();
        String alice = "py-alice-" + UUID.randomUUID();
        String bob = "py-bob-" + UUID.randomUUID();
        String createdFirst = UUID.randomUUID().toString();
        String createdSecond = UUID.randomUUID().toString();
        String shipped = UUID.randomUUID().toString();

        // the item's name is not ASCII: ensure_ascii escapes it, the camel emoji as a surrogate pair
        sendAsPython(alice, "{\"event_id\": \"" + createdFirst + "\", \"event_type\": \"order.created\", "
                + "\"timestamp\": \"2026-12-01T10:00:00.123456\", \"data\": {\"order_id\": \"" + first + "\", \"user_id\": \"" + alice
                + "\", \"items\": [{\"product_id\": \"book-camel\", \"name\": \"Camel in Action \\u2014 \\u00e9dition \\ud83d\\udc2a\", "
                + "\"quantity\": 2, \"price\": 45.5}], \"total\": 91.0, \"status\": \"pending\", "
                + "\"created_at\": \"2026-12-01T10:00:00.123456\"}}");
        // on a whole second isoformat() writes no fraction; 10:59:59 is still the 10:00 hour in UTC
        sendAsPython(bob, "{\"event_id\": \"" + createdSecond + "\", \"event_type\": \"order.created\", "
                + "\"timestamp\": \"2026-12-01T10:59:59\", \"data\": {\"order_id\": \"" + second + "\", \"user_id\": \"" + bob
                + "\", \"items\": [{\"product_id\": \"mug\", \"name\": \"Camel mug\", \"quantity\": 1, \"price\": 12.0}], "
                + "\"total\": 12.0, \"status\": \"pending\", \"created_at\": \"2026-12-01T10:59:59\"}}");

        // order-service records both orders and confirms them once inventory-service has reserved their stock
        awaitRounds("order-service", "SELECT COUNT(*) FROM orders WHERE status = 'confirmed' AND order_id IN ('"
                + first + "', '" + second + "')", confirmed -> confirmed == 2);
        JsonNode stock = json(http("GET", "/inventory", null).body());
        assertThat(available(stock, "book-camel")).isEqualTo(48);
        assertThat(available(stock, "mug")).isEqualTo(99);
        JsonNode order = json(http("GET", "/orders/" + first, null).body());
        assertThat(order.get("user_id").asText()).isEqualTo(alice);
        assertThat(order.get("created_at").asText()).as("stored as the instant in UTC with Z").isEqualTo("2026-12-01T10:00:00.123456Z");
        assertThat(order.at("/items/0/name").asText()).isEqualTo("Camel in Action \u2014 \u00e9dition \uD83D\uDC2A");
        assertThat(order.get("total").decimalValue()).isEqualByComparingTo("91.00");
        assertThat(json(http("GET", "/orders/" + second, null).body()).get("created_at").asText()).isEqualTo("2026-12-01T10:59:59Z");

        // analytics: both in the UTC hour of their naive created_at
        JsonNode figures = awaitAnalytics(2);
        assertThat(figures.get("orders_by_hour").size()).isEqualTo(1);
        assertThat(figures.at("/orders_by_hour/2026-12-01T10:00").asLong()).isEqualTo(2);
        assertThat(figures.get("total_revenue").decimalValue()).isEqualByComparingTo("103.00");
        assertThat(figures.get("revenue_by_user").get(alice).decimalValue()).isEqualByComparingTo("91.00");

        // the Python service's status change: keyed by order_id, no user_id in its data
        sendAsPython(first, "{\"event_id\": \"" + shipped + "\", \"event_type\": \"order.status_changed\", "
                + "\"timestamp\": \"2026-12-01T11:30:00\", \"data\": {\"order_id\": \"" + first + "\", \"status\": \"shipped\", "
                + "\"updated_at\": \"2026-12-01T11:30:00\"}}");

        awaitRounds("order-service", "SELECT COUNT(*) FROM orders WHERE order_id = '" + first + "' AND status = 'shipped' "
                + "AND updated_at = '2026-12-01T11:30:00Z'", applied -> applied == 1);
        // e-mails: each order received and confirmed, and the Python status change, to the order's user
        awaitOutbox("SELECT COUNT(*) FROM email_outbox WHERE sent_at IS NOT NULL", sent -> sent == 5);
        assertThat(queryLong("SELECT COUNT(*) FROM email_outbox")).isEqualTo(5);
        assertThat(Files.readString(outbox().resolve(createdFirst + ".eml")))
                .contains("To: " + alice + "@example.com", "Subject: Order " + first + " received", "Total: 91.00");
        assertThat(Files.readString(outbox().resolve(createdSecond + ".eml")))
                .contains("To: " + bob + "@example.com", "Subject: Order " + second + " received", "Total: 12.00");
        assertThat(Files.readString(outbox().resolve(shipped + ".eml")))
                .contains("To: " + alice + "@example.com", "Subject: Order " + first + " shipped", "Hello " + alice);

        // every group handled every event (2 order.created, 2 confirmations, 1 status change; order-service also the 2
        // inventory results), none dead-lettered
        awaitHandled("order-service", 7);
        awaitHandled("email-service", 5);
        awaitHandled("inventory-service", 5);
        awaitHandled("analytics-service", 5);
        for (String service : List.of("order-service", "email-service", "inventory-service", "analytics-service")) {
            double deadLettered = metric("order_events_dead_lettered_total", "service", service);
            assertThat(Double.isNaN(deadLettered) ? 0 : deadLettered).as(service + " dead-lettered").isZero();
        }
        assertThat(metric("order_events_processed_total", "service", "order-service")).isEqualTo(7);
        assertThat(metric("order_events_processed_total", "service", "email-service")).isEqualTo(5);
        // inventory-service: the orders, and every status change (its view of each order)
        assertThat(metric("order_events_processed_total", "service", "inventory-service")).isEqualTo(5);
        assertThat(metric("order_events_processed_total", "service", "analytics-service")).isEqualTo(2);
        assertThat(records("orders.dlq", r -> r.value() != null && (text(r.value()).contains(first) || text(r.value()).contains(second)),
                1, Duration.ofSeconds(2))).isEmpty();
    }

    /** kafka-python cannot be installed here: a KafkaProducer with ByteArraySerializer sends the same key and value bytes, no headers. */
    private void sendAsPython(String key, String value) {
        send("orders", key, value, Map.of());
    }

    private Path outbox() {
        return dataDir.resolve("outbox");
    }
}
