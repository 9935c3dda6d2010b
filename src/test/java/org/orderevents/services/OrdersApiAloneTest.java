package org.orderevents.services;

import org.apache.camel.Route;
import org.apache.camel.component.kafka.KafkaEndpoint;
import org.apache.camel.health.HealthCheckRegistry;
import org.junit.jupiter.api.Test;
import org.orderevents.OrderEventsTestSupport;
import org.orderevents.OrderRequest;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code services=orders-api}: the HTTP API and the outbox relay that publishes its events, and nothing of the consumers. */
class OrdersApiAloneTest extends OrderEventsTestSupport {

    @Override
    protected Map<String, String> overrideProperties() {
        return Map.of("services", "orders-api");
    }

    @Test
    void runsTheApiAndItsRelayOnlyAndPublishesTheOrdersItTakes() throws Exception {
        List<String> routes = context.getRoutes().stream().map(Route::getRouteId).toList();
        assertThat(routes).contains("order-api-create", "order-api-read", "inventory-api", "analytics-api", "dead-letters-replay",
                "live-view", "event-outbox-relay", "processed-events-purge");
        assertThat(routes).noneMatch(id -> id.startsWith("email-") || id.startsWith("inventory-service")
                || id.startsWith("analytics-service") || id.startsWith("order-service") || id.equals("event-alone"));
        assertThat(context.getRoutes()).noneMatch(route -> route.getEndpoint() instanceof KafkaEndpoint);
        for (String bean : List.of("eventBatch", "emailOutbox", "stockReservation", "orderTotals", "processedByOrderService",
                "processedByInventoryService", "processedByEmailService", "lifecycleOfInventoryService")) {
            assertThat(context.getRegistry().lookupByName(bean)).as(bean).isNull();
        }
        assertThat(HealthCheckRegistry.get(context).stream().map(check -> check.getId()))
                .contains("kafka-broker", "database").doesNotContain("parked-events");

        HttpResponse<String> created = http("POST", "/orders", OrderRequest.of("api-alone").item("mug", 1, "9.5").json());
        assertThat(created.statusCode()).isEqualTo(201);
        String orderId = orderId(created.body());
        assertThat(records("orders", r -> text(r.value()).contains(orderId), 1, Duration.ofSeconds(30))).hasSize(1);
        // nothing here decides it: it stays pending, and the read endpoints answer from the shared database
        assertThat(json(http("GET", "/orders/" + orderId, null).body()).get("status").asText()).isEqualTo("pending");
        assertThat(http("GET", "/analytics", null).statusCode()).isEqualTo(200);
        assertThat(available(json(http("GET", "/inventory", null).body()), "mug")).isEqualTo(100);
        assertThat(http("GET", "/observe/metrics", null).body()).doesNotContain("order_events_email_outbox_size");
    }
}
