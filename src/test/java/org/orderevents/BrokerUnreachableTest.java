package org.orderevents;

import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The broker goes away while the application runs: the API still takes orders, which commit with their order.created
 * in the event outbox; the relay publishes it once the broker is back.
 */
class BrokerUnreachableTest extends OrderEventsTestSupport {

    private static final String ORDER = OrderRequest.of("user_1").item("mug", 1, "1").json();

    @Override
    protected Map<String, String> overrideProperties() {
        return Map.of("kafka.brokers", startOwnBroker().bootstrapServers(), "camel.main.shutdown-timeout", "5",
                "outbox.relay-interval-ms", "200");
    }

    @Test
    void ordersTakenWhileTheBrokerIsAwayArePublishedWhenItIsBack() throws Exception {
        String before = orderId(http("POST", "/orders", ORDER).body());
        // its order.created, inventory result and confirmation published
        Poll.until("the first order confirmed", Duration.ofSeconds(30), () -> queryLong(
                "SELECT COUNT(*) FROM orders WHERE status = 'confirmed' AND order_id = '" + before + "'") == 1);
        awaitOutbox(0);

        stopOwnBroker();
        HttpResponse<String> response = http("POST", "/orders", ORDER);
        assertThat(response.statusCode()).as("the order commits with its event in the outbox").isEqualTo(201);
        String during = orderId(response.body());
        assertThat(queryLong("SELECT COUNT(*) FROM orders")).isEqualTo(2);
        assertThat(queryLong("SELECT COUNT(*) FROM event_outbox")).as("its order.created waits for the broker").isEqualTo(1);

        restartOwnBroker();
        awaitOutbox(0);
        assertThat(records("orders", r -> r.value() != null && (text(r.value()).contains(before) || text(r.value()).contains(during))
                && "order.created".equals(header(r, "event_type")), 2, Duration.ofSeconds(30))).hasSize(2);
    }

    private void awaitOutbox(long rows) throws Exception {
        Poll.until("the event outbox at " + rows + " rows", Duration.ofSeconds(60),
                () -> queryLong("SELECT COUNT(*) FROM event_outbox") == rows);
    }
}
