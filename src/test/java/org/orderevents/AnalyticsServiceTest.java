package org.orderevents;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

class AnalyticsServiceTest extends OrderEventsTestSupport {

    @Test
    void keepsExactFiguresFromBatchesSkippingDuplicatesAndDeadLetteringBadRecords() throws Exception {
        String marker = UUID.randomUUID().toString();
        NotifyBuilder batches = new NotifyBuilder(context).fromRoute("analytics-service").whenCompleted(1).create();
        Map<String, Object> late = new java.util.HashMap<>(orderCreated("o-dup", "user_b", "mug", 1, "5"));
        late.put("created_at", "2026-11-22T10:15:00Z");
        String duplicate = envelope(marker, "order.created", late);
        for (int i = 0; i < 20; i++) {
            Map<String, Object> order = new java.util.HashMap<>(orderCreated("o-" + i, "user_" + (i % 2 == 0 ? "a" : "b"), "mug", 1, "10"));
            order.put("created_at", "2026-11-22T09:" + String.format("%02d", i) + ":00Z");
            sendEvent("orders", "order.created", (String) order.get("user_id"), order);
        }
        send("orders", "user_b", duplicate, Map.of());
        send("orders", "user_b", duplicate, Map.of());
        send("orders", "user_c", "garbage " + marker, Map.of());
        sendEvent("orders", "order.status_changed", "user_a", Map.of("order_id", "o-1", "user_id", "user_a",
                "status", "shipped", "updated_at", "2026-11-22T11:00:00Z"));

        assertThat(records("orders.dlq", r -> text(r.value()).contains("garbage " + marker)
                && "analytics-service".equals(header(r, "dlq.consumer.group")), 1, Duration.ofSeconds(30))).hasSize(1);
        assertThat(batches.matches(30, SECONDS)).isTrue();
        JsonNode figures = awaitAnalytics(21);
        assertThat(figures.get("total_revenue").decimalValue()).isEqualByComparingTo("205");
        assertThat(figures.get("avg_order_value").decimalValue()).isEqualByComparingTo("9.76");
        assertThat(figures.at("/orders_by_hour/2026-11-22T09:00").asLong()).isEqualTo(20);
        assertThat(figures.at("/orders_by_hour/2026-11-22T10:00").asLong()).isEqualTo(1);
        assertThat(figures.at("/revenue_by_user/user_a").decimalValue()).isEqualByComparingTo("100");
        assertThat(figures.at("/revenue_by_user/user_b").decimalValue()).isEqualByComparingTo("105");
    }
}
