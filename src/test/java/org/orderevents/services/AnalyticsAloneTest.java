package org.orderevents.services;

import org.apache.camel.Route;
import org.apache.camel.component.kafka.KafkaEndpoint;
import org.junit.jupiter.api.Test;
import org.orderevents.OrderEventsTestSupport;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code services=analytics-service}: its consumer and the purge of its processed ids, with health and metrics on its
 * port; no API, no relay, no batch engine, no other group.
 */
class AnalyticsAloneTest extends OrderEventsTestSupport {

    @Override
    protected Map<String, String> overrideProperties() {
        return Map.of("services", "analytics-service");
    }

    @Test
    void runsItsConsumerAloneAndCountsTheOrders() throws Exception {
        assertThat(context.getRoutes().stream().map(Route::getRouteId).toList())
                .contains("analytics-service", "analytics-service-retry", "analytics-service-event", "processed-events-purge")
                .noneMatch(id -> id.startsWith("email-") || id.startsWith("inventory-") || id.startsWith("order-"));
        assertThat(context.getRoutes().stream().filter(route -> route.getEndpoint() instanceof KafkaEndpoint)
                .map(route -> ((KafkaEndpoint) route.getEndpoint()).getConfiguration().getGroupId()).toList())
                .containsExactly("analytics-service", "analytics-service");
        for (String bean : List.of("eventOutbox", "orderBook", "orderIntake", "adminToken", "deadLetterReplay",
                "emailOutbox", "stockReservation")) {
            assertThat(context.getRegistry().lookupByName(bean)).as(bean).isNull();
        }
        assertThat(dataDir.resolve("admin.token")).as("no admin token without the API").doesNotExist();

        sendEvent("orders", "order.created", "analytics-alone", orderCreated(UUID.randomUUID().toString(), "analytics-alone", "mug", 3, "4.5"));
        awaitHandled("analytics-service", 1);
        assertThat(queryLong("SELECT total_orders FROM analytics_totals WHERE id = 1")).isEqualTo(1);
        assertThat(http("GET", "/observe/health", null).statusCode()).isEqualTo(200);
        assertThat(http("GET", "/observe/metrics", null).body()).contains("group=\"analytics-service\"")
                .doesNotContain("group=\"inventory-service\"");
        assertThat(http("GET", "/analytics", null).statusCode()).as("the API runs elsewhere").isEqualTo(404);
    }
}
