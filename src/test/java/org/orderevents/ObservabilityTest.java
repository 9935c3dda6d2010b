package org.orderevents;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/** What an operator reads on /observe/metrics and /observe/health: the services' counters, consumer lag, a stuck consumer. */
class ObservabilityTest extends OrderEventsTestSupport {

    private static final String TOKEN = "observability-token";

    @Override
    protected Map<String, String> overrideProperties() {
        // read the lag every 200 ms; more than 5 events behind for 1 s, or no progress for 1 s, is DOWN
        return Map.of("admin.token", TOKEN, "lag.interval-ms", "200", "health.lag.max-events", "5",
                "health.lag.max-duration-ms", "1000", "health.stuck.duration-ms", "1000");
    }

    @Test
    void countsEachOutcomePerService() throws Exception {
        String orderId = UUID.randomUUID().toString();
        Map<String, Object> order = orderCreated(orderId, "metrics-user", "sticker", 1, "1.00");
        String eventId = sendEvent("orders", "order.created", "metrics-user", order);
        // the same event again: a duplicate for every service
        send("orders", "metrics-user", text(records("orders", r -> text(r.value()).contains(eventId), 1, Duration.ofSeconds(10))
                .get(0).value()), Map.of());
        // an event type no service acts on, and an event that is not JSON
        sendEvent("orders", "order.archived", "metrics-user", Map.of("order_id", orderId));
        send("orders", "metrics-user", "not json " + orderId, Map.of());

        // processed, duplicate, unhandled, dead-lettered; the order's confirmation (order.status_changed, from order-service's
        // inventory route) is processed by email-, inventory- (its view of the order) and order-service, unhandled by analytics
        Map<String, List<Integer>> expected = Map.of("email-service", List.of(2, 1, 1, 1), "order-service", List.of(3, 1, 1, 1),
                "inventory-service", List.of(2, 1, 1, 1), "analytics-service", List.of(1, 1, 2, 1));
        try {
            Poll.until("each service's counters", Duration.ofSeconds(30), () -> {
                for (Map.Entry<String, List<Integer>> service : expected.entrySet()) {
                    if (!counters(service.getKey()).equals(service.getValue())) {
                        return false;
                    }
                }
                return metric("order_events_email_outbox_size") == 0;
            });
        } catch (AssertionError e) {
            for (String service : expected.keySet()) {
                assertThat(counters(service)).as(service + ": processed, duplicate, unhandled, dead-lettered")
                        .isEqualTo(expected.get(service));
            }
            throw e;
        }
        // Camel's own: exchanges and processing time per route. The batch route makes one exchange per poll, however the
        // broker spreads the 5 records over polls; its event route makes at least one per record
        assertThat(metric("camel_exchanges_total", "routeId", "email-service")).isGreaterThanOrEqualTo(1);
        assertThat(metric("camel_exchanges_total", "routeId", "email-service-event")).isGreaterThanOrEqualTo(5);
        assertThat(http("GET", "/observe/metrics", null).body()).contains("camel_route_policy_seconds_count{");
    }

    @Test
    void countsRetriesAndReplays() throws Exception {
        // a result for an order nobody recorded: order-service retries it 3 times (the kit's setting), then dead-letters it
        String orderId = UUID.randomUUID().toString();
        NotifyBuilder failed = new NotifyBuilder(context).fromRoute("order-service-inventory").whenDone(1).create();
        sendEvent("inventory", "inventory.reserved", "retry-user", Map.of("order_id", orderId, "user_id", "retry-user",
                "items", List.of(Map.of("product_id", "mug", "name", "mug", "quantity", 1, "price", 9))));
        assertThat(failed.matches(30, SECONDS)).isTrue();
        assertThat(deadLetters("inventory", orderId, 1)).hasSize(1);
        assertThat(metric("order_events_retries_total", "service", "order-service")).isEqualTo(3);
        assertThat(metric("order_events_dead_lettered_total", "service", "order-service", "topic", "inventory.dlq")).isEqualTo(1);

        HttpResponse<String> replayed = http("POST", "/dlq/replay", "{\"topic\":\"inventory.dlq\"}",
                Map.of("Authorization", "Bearer " + TOKEN));
        assertThat(replayed.statusCode()).as(replayed.body()).isEqualTo(200);
        assertThat(metric("order_events_replayed_total", "topic", "inventory")).isEqualTo(json(replayed.body()).get("replayed").asDouble());
    }

    @Test
    void lagAndAStuckConsumerShowOnMetricsAndHealth() throws Exception {
        context.getRouteController().stopRoute("analytics-service");
        for (int i = 0; i < 10; i++) {
            sendEvent("orders", "order.created", "lag-user", orderCreated(UUID.randomUUID().toString(), "lag-user", "sticker", 1, "1.00"));
        }
        try {
            // the 10 orders, and their 10 confirmations from order-service
            Poll.until("analytics-service's lag of 20 on the gauges", Duration.ofSeconds(30), () ->
                    metric("order_events_consumer_lag", "group", "analytics-service", "topic", "orders") == 20);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; the lag gauges: " + http("GET", "/observe/metrics", null).body().lines()
                    .filter(line -> line.contains("consumer_lag")).toList(), e);
        }
        // readiness is DOWN at once for the stopped route; consumer-lag joins it once the lag has lasted long enough
        Poll.until("readiness DOWN for analytics-service's lag", Duration.ofSeconds(30), () ->
                http("GET", "/observe/health/ready", null).body().contains("\"consumer-lag\""));
        JsonNode ready = json(http("GET", "/observe/health/ready", null).body());
        assertThat(check(ready, "consumer-lag").get("status").asText()).isEqualTo("DOWN");
        assertThat(check(ready, "consumer-lag").get("message").asText()).contains("analytics-service=20");
        Poll.until("liveness DOWN: analytics-service makes no progress", Duration.ofSeconds(30), () ->
                http("GET", "/observe/health/live", null).statusCode() == 503);
        JsonNode live = json(http("GET", "/observe/health/live", null).body());
        assertThat(check(live, "consumer-progress").get("message").asText()).contains("analytics-service:orders-");
        assertThat(live.toString()).doesNotContain("consumer-lag");

        context.getRouteController().startRoute("analytics-service");
        Poll.until("lag 0 and healthy again", Duration.ofSeconds(60), () ->
                metric("order_events_consumer_lag", "group", "analytics-service") == 0
                        && http("GET", "/observe/health", null).statusCode() == 200);
    }

    private List<Integer> counters(String service) throws Exception {
        return List.of((int) metric("order_events_processed_total", "service", service),
                (int) metric("order_events_skipped_total", "service", service, "reason", "duplicate"),
                (int) metric("order_events_skipped_total", "service", service, "reason", "unhandled"),
                (int) metric("order_events_dead_lettered_total", "service", service, "topic", "orders.dlq"));
    }

    private static JsonNode check(JsonNode health, String name) {
        for (JsonNode check : health.get("checks")) {
            if (check.get("name").asText().equals(name)) {
                return check;
            }
        }
        throw new AssertionError("no check " + name + " in " + health);
    }
}
