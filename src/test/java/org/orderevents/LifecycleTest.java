package org.orderevents;

import org.junit.jupiter.api.Test;
import org.orderevents.event.Json;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An order's lifecycle (pending → confirmed | rejected; confirmed → shipped → delivered; pending | confirmed →
 * cancelled): the API refuses a change it does not allow with 409; a late or replayed event that does not follow it
 * changes nothing and sends no e-mail in any group; a cancellation gives the stock back once.
 */
class LifecycleTest extends OrderEventsTestSupport {

    private static final String PRODUCT = "book-camel";
    private static final int QUANTITY = 2;

    @Test
    void theApiFollowsTheLifecycleAndAnswers409NamingTheCurrentStatus() throws Exception {
        String order = confirmedOrder("api-" + UUID.randomUUID());

        HttpResponse<String> backwards = changeStatus(order, "pending");
        assertThat(backwards.statusCode()).isEqualTo(409);
        assertThat(json(backwards.body()).get("detail").asText()).contains("is confirmed");
        HttpResponse<String> unknown = changeStatus(order, "lost");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(json(unknown.body()).get("field").asText()).isEqualTo("status");

        assertThat(changeStatus(order, "shipped").statusCode()).isEqualTo(202);
        awaitStatus(order, "shipped");
        assertThat(changeStatus(order, "delivered").statusCode()).isEqualTo(202);
        awaitStatus(order, "delivered");
        HttpResponse<String> tooLate = changeStatus(order, "cancelled");
        assertThat(tooLate.statusCode()).isEqualTo(409);
        assertThat(json(tooLate.body()).get("detail").asText()).contains("is delivered");
    }

    @Test
    void aCancellationGivesTheStockBackOnceAndALateOrReplayedChangeChangesNothing() throws Exception {
        String user = "cancel-" + UUID.randomUUID();
        long before = available(PRODUCT);
        String order = confirmedOrder(user);
        assertThat(available(PRODUCT)).isEqualTo(before - QUANTITY);

        HttpResponse<String> cancelled = changeStatus(order, "cancelled");
        assertThat(cancelled.statusCode()).isEqualTo(202);
        String cancellation = json(cancelled.body()).get("event_id").asText();
        awaitStatus(order, "cancelled");
        Poll.until("the stock given back", Duration.ofSeconds(30), () -> available(PRODUCT) == before);

        // the same cancellation again (a redelivery), another one, a replayed old "confirmed" and a late inventory
        // result, as other producers or a replay would write them
        resend("orders", cancellation);
        sendStatusChange(order, user, "cancelled");
        sendStatusChange(order, user, "confirmed");
        sendEvent("inventory", "inventory.reserved", user, Map.of("order_id", order, "user_id", user,
                "items", List.of(Map.of("product_id", PRODUCT, "name", PRODUCT, "quantity", QUANTITY, "price", 10))));
        // order-service refuses the two changes and the result; email- and inventory-service the two changes
        Poll.until("the late changes refused", Duration.ofSeconds(30), () -> refused("order-service") == 3
                && refused("email-service") == 2 && refused("inventory-service") == 2);

        assertThat(json(http("GET", "/orders/" + order, null).body()).get("status").asText()).isEqualTo("cancelled");
        assertThat(available(PRODUCT)).as("given back once").isEqualTo(before);
        awaitOutbox("SELECT COUNT(*) FROM email_outbox WHERE subject LIKE 'Order " + order + "%'", mails -> mails == 3);
        assertThat(queryLong("SELECT COUNT(*) FROM email_outbox WHERE subject = 'Order " + order + " cancelled'")).isEqualTo(1);
        assertThat(queryLong("SELECT COUNT(*) FROM email_outbox WHERE subject = 'Order " + order + " confirmed'"))
                .as("the confirmation of the order, not of the replayed change").isEqualTo(1);
        assertThat(records("orders", r -> r.value() != null && text(r.value()).contains(order)
                && "order.status_changed".equals(header(r, "event_type")), 10, Duration.ofSeconds(3)))
                .as("confirmed, cancelled, and the three sent by hand: nothing published for the late result").hasSize(5);
    }

    /** An order of QUANTITY of PRODUCT, through the API, once it is confirmed. */
    private String confirmedOrder(String user) throws Exception {
        String order = orderId(http("POST", "/orders", OrderRequest.of(user).item(PRODUCT, QUANTITY, "10").json()).body());
        awaitStatus(order, "confirmed");
        return order;
    }

    private HttpResponse<String> changeStatus(String order, String status) throws Exception {
        return http("POST", "/orders/" + order + "/status", "{\"status\":\"" + status + "\",\"reason\":\"test\"}");
    }

    private void sendStatusChange(String order, String user, String status) {
        Map<String, Object> data = new HashMap<>(Map.of("order_id", order, "user_id", user, "status", status,
                "updated_at", Instant.now().toString()));
        send("orders", user, Json.write(Map.of("event_id", UUID.randomUUID().toString(), "event_type", "order.status_changed",
                "timestamp", Instant.now().toString(), "data", data)), Map.of("event_type", "order.status_changed"));
    }

    private void awaitStatus(String order, String status) throws Exception {
        Poll.until("order " + order + " " + status, Duration.ofSeconds(30),
                () -> status.equals(json(http("GET", "/orders/" + order, null).body()).get("status").asText()));
    }

    private double refused(String service) throws Exception {
        double value = metric("order_events_lifecycle_refused_total", "service", service);
        return Double.isNaN(value) ? 0 : value;
    }
}
