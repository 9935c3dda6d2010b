package org.orderevents;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

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
    void readsAPriceWithinFloatingPointNoiseAsItsCentAmountAndRefusesOneFinerThanACent() throws Exception {
        // a client computing in binary floating point: 0.1 + 0.2 is 0.30000000000000004
        HttpResponse<String> response = http("POST", "/orders", "{\"user_id\": \"py-client\", \"items\": ["
                + "{\"product_id\": \"sticker\", \"name\": \"s\", \"quantity\": 3, \"price\": " + (0.1 + 0.2) + "}, "
                + "{\"product_id\": \"mug\", \"name\": \"m\", \"quantity\": 3, \"price\": 1.1}]}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        JsonNode order = json(response.body());
        assertThat(order.at("/items/0/price").decimalValue()).isEqualByComparingTo("0.30");
        assertThat(order.get("total").decimalValue()).isEqualByComparingTo("4.20");
        String orderId = order.get("order_id").asText();
        var published = records("orders", r -> text(r.value()).contains(orderId), 1, Duration.ofSeconds(30));
        assertThat(json(text(published.get(0).value())).at("/data/total").decimalValue()).isEqualByComparingTo("4.20");
        assertThat(json(text(published.get(0).value())).at("/data/items/0/price").decimalValue()).isEqualByComparingTo("0.30");

        String marker = "finer-" + UUID.randomUUID();
        for (String finer : List.of("12.345", "12.3449")) {
            HttpResponse<String> refused = http("POST", "/orders", "{\"user_id\": \"" + marker + "\", \"items\": ["
                    + "{\"product_id\": \"mug\", \"name\": \"m\", \"quantity\": 1, \"price\": " + finer + "}]}");
            assertThat(refused.statusCode()).as(finer).isEqualTo(400);
            assertThat(json(refused.body()).get("field").asText()).isEqualTo("items[0].price");
            assertThat(json(refused.body()).get("detail").asText())
                    .isEqualTo("items[0].price: must be a cent amount: " + finer + " has more than 2 decimals, beyond floating-point noise");
        }
        assertThat(queryLong("SELECT COUNT(*) FROM orders")).isEqualTo(1);
        assertThat(records("orders", r -> text(r.value()).contains(marker), 1, Duration.ofSeconds(2))).isEmpty();
    }

    /**
     * What a careless client sends: a NUL or a lone surrogate in a text field, a key twice, bytes that are not UTF-8,
     * a body sent as text/plain. Each is refused naming the field (415 for the media type); nothing is saved or published.
     */
    @Test
    void refusesWhatACarelessClientSendsNamingTheFieldAndSavesNothing() throws Exception {
        String marker = "careless-" + UUID.randomUUID();
        String items = "\"items\":[{\"product_id\":\"mug\",\"name\":\"m\",\"quantity\":1,\"price\":1}]";
        String good = "{\"user_id\":\"" + marker + "\"," + items + "}";
        List<Object[]> cases = List.of(
                new Object[] {bytes("{\"user_id\":\"" + marker + "\\u0000x\"," + items + "}"), JSON, 400, "user_id",
                        "user_id: must not contain a control character (U+0000 at position " + marker.length() + ")"},
                new Object[] {bytes("{\"user_id\":\"a\",\"user_id\":\"" + marker + "\"," + items + "}"), JSON, 400, "user_id",
                        "user_id: appears twice in one object (a duplicate key)"},
                new Object[] {bytes(good), "text/plain", 415, "Content-Type", "Content-Type: must be application/json, not text/plain"},
                new Object[] {bytes(good), "application/json; charset=ISO-8859-1", 415, "Content-Type",
                        "Content-Type: must be application/json in UTF-8, not charset ISO-8859-1"},
                new Object[] {bytes(good), null, 415, "Content-Type", "Content-Type: is required: application/json"},
                new Object[] {bytes("{\"user_id\":\"" + marker + "\\ud800\"," + items + "}"), JSON, 400, "user_id",
                        "user_id: must not contain a lone surrogate (U+D800 at position " + marker.length() + "), which is no Unicode character"},
                new Object[] {bytes("{\"user_id\":\"" + marker, 0xff, 0xfe, "\"," + items + "}"), JSON, 400, "user_id",
                        "user_id: is not valid UTF-8 (byte 0xFF at offset " + (12 + marker.length()) + ")"},
                new Object[] {bytes("{\"user_id\":\"" + marker + "\"," + items.replace("\"m\"", "\"m\\u0007\"") + "}"), JSON, 400,
                        "items[0].name", "items[0].name: must not contain a control character (U+0007 at position 1)"});
        for (Object[] c : cases) {
            HttpResponse<String> response = post("/orders", (byte[]) c[0], (String) c[1]);

            assertThat(response.statusCode()).as(c[4].toString()).isEqualTo(c[2]);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            JsonNode problem = json(response.body());
            assertThat(problem.get("field").asText()).as(c[4].toString()).isEqualTo(c[3]);
            assertThat(problem.get("detail").asText()).isEqualTo(c[4]);
            assertThat(problem.get("status").asInt()).isEqualTo(c[2]);
        }
        // the same body as JSON is taken
        HttpResponse<String> taken = post("/orders", bytes(good), "application/json; charset=utf-8");
        assertThat(taken.statusCode()).isEqualTo(201);
        String orderId = json(taken.body()).get("order_id").asText();

        // a status change: the same rules, the order unchanged and nothing published
        String reason = "by hand " + marker;
        List<Object[]> changes = List.of(
                new Object[] {bytes("{\"status\":\"cancelled\",\"reason\":\"" + reason + "\"}"), "text/plain", 415, "Content-Type"},
                new Object[] {bytes("{\"status\":\"cancelled\",\"reason\":\"" + reason + "\\u0000\"}"), JSON, 400, "reason"},
                new Object[] {bytes("{\"status\":\"shipped\",\"status\":\"cancelled\",\"reason\":\"" + reason + "\"}"), JSON, 400, "status"},
                new Object[] {bytes("{\"status\":\"cancelled\",\"reason\":\"" + reason, 0xc3, "\"}"), JSON, 400, "reason"});
        for (Object[] c : changes) {
            HttpResponse<String> response = post("/orders/" + orderId + "/status", (byte[]) c[0], (String) c[1]);

            assertThat(response.statusCode()).as(response.body()).isEqualTo(c[2]);
            assertThat(json(response.body()).get("field").asText()).isEqualTo(c[3]);
        }
        assertThat(queryLong("SELECT COUNT(*) FROM orders")).isEqualTo(1);
        assertThat(queryLong("SELECT COUNT(*) FROM orders WHERE status = 'cancelled'")).isZero();
        assertThat(records("orders", r -> text(r.value()).contains(marker) && !text(r.value()).contains(orderId), 1,
                Duration.ofSeconds(2))).isEmpty();
        assertThat(records("orders", r -> text(r.value()).contains(reason), 1, Duration.ofSeconds(2))).isEmpty();
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

    private static final String JSON = "application/json";

    /** A POST of these bytes with this Content-Type (none when null). */
    private HttpResponse<String> post(String path, byte[] body, String contentType) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort + path))
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return TestHttp.send(request.build());
    }

    /** The bytes of the text parts and the single bytes given as numbers, in order. */
    private static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object part : parts) {
            if (part instanceof String text) {
                out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
            } else {
                out.write((Integer) part);
            }
        }
        return out.toByteArray();
    }
}
