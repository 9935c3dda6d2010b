package org.orderevents;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/** Orders in at the API; every service's effect out, exact. */
class EndToEndTest extends OrderEventsTestSupport {

    @Test
    void everyServiceReactsToEachOrderExactlyOnce() throws Exception {
        // two status changes (confirmed, rejected) come back through order-service's inventory route
        NotifyBuilder statuses = new NotifyBuilder(context).fromRoute("order-service")
                .filter(e -> "order.status_changed".equals(e.getMessage().getHeader("event_type", String.class)))
                .whenCompleted(2).create();
        NotifyBuilder emails = new NotifyBuilder(context).fromRoute("email-service").whenCompleted(4).create();

        String confirmed = orderId(http("POST", "/orders", "{\"user_id\":\"alice\",\"items\":["
                + "{\"product_id\":\"book-camel\",\"name\":\"Camel in Action\",\"quantity\":2,\"price\":45.5},"
                + "{\"product_id\":\"mug\",\"name\":\"Camel mug\",\"quantity\":1,\"price\":12}]}").body());
        String rejected = orderId(http("POST", "/orders", "{\"user_id\":\"bob\",\"items\":["
                + "{\"product_id\":\"mug\",\"name\":\"Camel mug\",\"quantity\":3,\"price\":12},"
                + "{\"product_id\":\"hoodie\",\"name\":\"Kafka hoodie\",\"quantity\":1,\"price\":60}]}").body());

        assertThat(statuses.matches(60, SECONDS)).isTrue();
        assertThat(emails.matches(60, SECONDS)).isTrue();

        JsonNode first = json(http("GET", "/orders/" + confirmed, null).body());
        assertThat(first.get("status").asText()).isEqualTo("confirmed");
        JsonNode second = json(http("GET", "/orders/" + rejected, null).body());
        assertThat(second.get("status").asText()).isEqualTo("rejected");
        assertThat(second.get("reason").asText()).isEqualTo("out of stock: hoodie (requested 1, available 0)");

        JsonNode stock = json(http("GET", "/inventory", null).body());
        assertThat(available(stock, "book-camel")).isEqualTo(48);
        assertThat(available(stock, "mug")).as("bob's mugs were not taken").isEqualTo(99);
        assertThat(available(stock, "hoodie")).isZero();

        JsonNode analytics = awaitAnalytics(2);
        assertThat(analytics.get("total_revenue").decimalValue()).isEqualByComparingTo("199.00");
        assertThat(analytics.get("avg_order_value").decimalValue()).isEqualByComparingTo("99.50");
        assertThat(analytics.at("/revenue_by_user/alice").decimalValue()).isEqualByComparingTo("103.00");
        assertThat(analytics.at("/revenue_by_user/bob").decimalValue()).isEqualByComparingTo("96.00");
        assertThat(analytics.get("orders_by_hour").size()).isEqualTo(1);

        awaitOutbox("SELECT COUNT(*) FROM email_outbox WHERE sent_at IS NOT NULL", sent -> sent == 4);
        assertThat(queryLong("SELECT COUNT(*) FROM email_outbox")).isEqualTo(4);
        List<String> mails;
        try (var files = Files.list(dataDir.resolve("outbox"))) {
            mails = files.map(file -> {
                try {
                    return Files.readString(file);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }).toList();
        }
        assertThat(mails).hasSize(4);
        assertThat(mails).filteredOn(m -> m.contains("Subject: Order " + confirmed + " received")).hasSize(1);
        assertThat(mails).filteredOn(m -> m.contains("Subject: Order " + confirmed + " confirmed")).hasSize(1);
        assertThat(mails).filteredOn(m -> m.contains("Subject: Order " + rejected + " received")).hasSize(1);
        assertThat(mails).filteredOn(m -> m.contains("Subject: Order " + rejected + " rejected")).hasSize(1);
        assertThat(queryLong("SELECT COUNT(*) FROM orders")).isEqualTo(2);
    }

    private static String orderId(String body) throws Exception {
        return json(body).get("order_id").asText();
    }

    private static int available(JsonNode stock, String productId) {
        for (JsonNode product : stock) {
            if (product.get("product_id").asText().equals(productId)) {
                return product.get("available").asInt();
            }
        }
        throw new AssertionError("no product " + productId);
    }
}
