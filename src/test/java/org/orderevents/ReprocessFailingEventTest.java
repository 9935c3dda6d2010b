package org.orderevents;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.orderevents.event.Json;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An event the current code fails on, in a reprocess's span: the run takes its effects out (it had none: it was
 * dead-lettered), counts it as failed, sends no dead letter of its own, and runs the events around it as usual; on a
 * broker of the test's own.
 */
class ReprocessFailingEventTest extends OrderEventsTestSupport {

    private static final Map<String, String> TOKEN = Map.of("Authorization", "Bearer reprocess-failing-token");

    @Override
    protected Map<String, String> overrideProperties() {
        // small batches: the failing event sits inside one, with events before and after it
        return Map.of("kafka.brokers", startOwnBroker().bootstrapServers(), "admin.token", "reprocess-failing-token",
                "reprocess.batch-size", "4");
    }

    @Test
    void anEventTheCurrentCodeFailsOnIsTakenOutOnlyAndCounted() throws Exception {
        Instant from = Instant.now();
        String marker = "failing-" + UUID.randomUUID();
        for (int i = 0; i < 5; i++) {
            sendEvent("orders", "order.created", "user-1", orderCreated(marker + "-" + i, "user-1", "mug", 1, "2.00"));
        }
        // invalid for every version: a quantity of 0
        send("orders", "user-1", envelope(marker + "-bad", "order.created", orderCreated(marker + "-bad", "user-1", "mug", 0, "2.00")),
                Map.of("event_type", "order.created"));
        for (int i = 5; i < 10; i++) {
            sendEvent("orders", "order.created", "user-1", orderCreated(marker + "-" + i, "user-1", "mug", 1, "2.00"));
        }
        awaitAnalytics(10);
        assertThat(deadLetters("orders", marker + "-bad", 4)).as("one dead letter per group").hasSize(4);

        HttpResponse<String> asked = http("POST", "/admin/reprocess",
                Json.write(Map.of("service", "analytics-service", "from", from.toString())), TOKEN);
        assertThat(asked.statusCode()).as(asked.body()).isEqualTo(202);
        JsonNode[] run = new JsonNode[1];
        Poll.until("the reprocess done", Duration.ofMinutes(2), () -> {
            run[0] = json(http("GET", "/admin/reprocess", null).body()).get(0);
            return "done".equals(run[0].get("state").asText());
        });

        assertThat(run[0].get("events_failed").asLong()).as(run[0].toString()).isEqualTo(1);
        assertThat(run[0].get("events_done").asLong()).isEqualTo(run[0].get("events").asLong() - 1);
        JsonNode figures = awaitAnalytics(10);
        assertThat(figures.get("total_orders").asLong()).isEqualTo(10);
        assertThat(figures.get("total_revenue").decimalValue()).isEqualByComparingTo("20.00");
        assertThat(queryLong("SELECT COUNT(*) FROM analytics_orders")).isEqualTo(10);
        // no dead letter of the run's: still the groups' four, the topic read to its end
        assertThat(records("orders.dlq", r -> r.value() != null && text(r.value()).contains(marker + "-bad"), 5,
                Duration.ofSeconds(3))).hasSize(4);
    }
}
