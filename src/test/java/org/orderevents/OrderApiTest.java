package org.orderevents;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class OrderApiTest extends OrderEventsTestSupport {

    @Test
    void acceptsAnOrderSavesItAndPublishesOrderCreated() throws Exception {
        HttpResponse<String> response = http("POST", "/orders", OrderRequest.of("user_1").item("mug", 2, "9.5").json());

        assertThat(response.statusCode()).isEqualTo(201);
        JsonNode order = json(response.body());
        String orderId = order.get("order_id").asText();
        assertThat(order.get("status").asText()).isEqualTo("pending");
        assertThat(order.get("total").decimalValue()).isEqualByComparingTo("19.00");
        assertThat(response.headers().firstValue("Location")).hasValue("/orders/" + orderId);
        var published = records("orders", r -> text(r.value()).contains(orderId)
                && "order.created".equals(header(r, "event_type")), 1, Duration.ofSeconds(30));
        assertThat(published).hasSize(1);
        assertThat(text(published.get(0).key())).isEqualTo("user_1");
        assertThat(header(published.get(0), "event_type")).isEqualTo("order.created");
        assertThat(json(text(published.get(0).value())).at("/data/items/0/product_id").asText()).isEqualTo("mug");

        HttpResponse<String> read = http("GET", "/orders/" + orderId, null);
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(json(read.body()).get("user_id").asText()).isEqualTo("user_1");
    }

    @Test
    void rejectsABadBodyWith400NamingTheFieldAndPublishesNothing() throws Exception {
        String marker = "user-" + java.util.UUID.randomUUID();
        String[][] cases = {
                {"{\"user_id\":\"" + marker + "\",\"items\":[{\"product_id\":\"mug\",\"name\":\"m\",\"quantity\":0,\"price\":1}]}", "items[0].quantity"},
                {"{\"user_id\":\"" + marker + "\",\"items\":[{\"product_id\":\"mug\",\"name\":\"m\",\"quantity\":1,\"price\":-1}]}", "items[0].price"},
                {"{\"user_id\":\"" + marker + "\",\"items\":[]}", "items"},
                {"{\"items\":[{\"product_id\":\"mug\",\"name\":\"m\",\"quantity\":1,\"price\":1}]}", "user_id"},
                {"{\"user_id\":\"" + marker + "\",\"items\":[{\"name\":\"m\",\"quantity\":1,\"price\":1}]}", "items[0].product_id"},
                {"not json " + marker, "body"},
        };
        for (String[] bad : cases) {
            HttpResponse<String> response = http("POST", "/orders", bad[0]);
            assertThat(response.statusCode()).as(bad[0]).isEqualTo(400);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(json(response.body()).get("field").asText()).isEqualTo(bad[1]);
            assertThat(json(response.body()).get("status").asInt()).isEqualTo(400);
        }
        // a body over camel.server.max-body-size (1 MiB) is refused before it is read into memory
        String huge = "{\"user_id\":\"" + marker + "\",\"items\":[],\"padding\":\"" + "x".repeat(2 * 1024 * 1024) + "\"}";
        assertThat(http("POST", "/orders", huge).statusCode()).isEqualTo(413);
        assertThat(queryLong("SELECT COUNT(*) FROM orders")).isZero();
        assertThat(records("orders", r -> text(r.value()).contains(marker), 1, Duration.ofSeconds(2))).isEmpty();
    }

    @Test
    void answers404ForAnUnknownOrder() throws Exception {
        HttpResponse<String> response = http("GET", "/orders/no-such-order", null);

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(json(response.body()).get("detail").asText()).contains("no-such-order");
        assertThat(http("POST", "/orders/no-such-order/status", "{\"status\":\"shipped\"}").statusCode()).isEqualTo(404);
    }

    @Test
    void publishesAStatusChangeThatOrderServiceApplies() throws Exception {
        // the inventory result confirms the order first; a status set by hand comes after it
        String orderId = json(http("POST", "/orders",
                "{\"user_id\":\"user_2\",\"items\":[{\"product_id\":\"sticker\",\"name\":\"s\",\"quantity\":1,\"price\":1}]}").body())
                .get("order_id").asText();
        awaitRounds("order-service-inventory", "SELECT COUNT(*) FROM orders WHERE order_id = '" + orderId
                + "' AND status = 'confirmed'", confirmed -> confirmed == 1);

        HttpResponse<String> response = http("POST", "/orders/" + orderId + "/status", "{\"status\":\"shipped\",\"reason\":\"by hand\"}");

        assertThat(response.statusCode()).isEqualTo(202);
        awaitRounds("order-service", "SELECT COUNT(*) FROM orders WHERE order_id = '" + orderId
                + "' AND status = 'shipped'", applied -> applied == 1);
        JsonNode order = json(http("GET", "/orders/" + orderId, null).body());
        assertThat(order.get("status").asText()).isEqualTo("shipped");
        assertThat(order.get("reason").asText()).isEqualTo("by hand");
        assertThat(http("POST", "/orders/" + orderId + "/status", "{\"reason\":\"x\"}").statusCode()).isEqualTo(400);
    }
}
