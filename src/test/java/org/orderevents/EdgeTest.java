package org.orderevents;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.orderevents.event.TestBytes.bytes;

/**
 * What the edge refuses, at the API and on the topics: amounts finer than a cent (float noise around a cent amount is
 * that amount), control characters and lone surrogates in text, a key twice, bytes that are not UTF-8, a body not sent
 * as JSON. Each is refused naming the field, before anything is saved: on PostgreSQL too ({@link PostgresEdgeTest}),
 * which refuses a NUL in text that H2 stores.
 */
class EdgeTest extends OrderEventsTestSupport {

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

    /**
     * What a careless producer writes: a NUL or a lone surrogate in a text field, a key twice, bytes that are not UTF-8.
     * Every group dead-letters each at once with the reason naming the field, its bytes unchanged; the next order flows on.
     */
    @Test
    void aRecordWithANulALoneSurrogateADuplicateKeyOrBytesNotUtf8IsDeadLetteredNamingTheField() throws Exception {
        String user = "careless-" + UUID.randomUUID();
        long mugs = available("mug");
        Map<String, String> reasons = new LinkedHashMap<>();
        Map<String, byte[]> values = new LinkedHashMap<>();
        String nul = UUID.randomUUID().toString();
        values.put(nul, bytes(order(nul, user).replace("\"user_id\":\"" + user + "\"", "\"user_id\":\"" + user + "\\u0000\"")));
        reasons.put(nul, "invalid event: data.user_id: must not contain a control character (U+0000 at position " + user.length() + ")");
        String surrogate = UUID.randomUUID().toString();
        values.put(surrogate, bytes(order(surrogate, user).replace("\"name\":\"mug\"", "\"name\":\"mug\\ud800\"")));
        reasons.put(surrogate, "invalid event: data.items[0].name: must not contain a lone surrogate (U+D800 at position 3), which is no Unicode character");
        String duplicate = UUID.randomUUID().toString();
        values.put(duplicate, bytes(order(duplicate, user).replace("\"order_id\":\"" + duplicate + "\"",
                "\"order_id\":\"" + duplicate + "\",\"order_id\":\"" + duplicate + "-2\"")));
        reasons.put(duplicate, "invalid event: data.order_id: appears twice in one object (a duplicate key)");
        String notUtf8 = UUID.randomUUID().toString();
        String text = order(notUtf8, user).replace("\"user_id\":\"" + user + "\"", "\"user_id\":\"" + user + "\u00e9\"");
        byte[] value = bytes(text);
        int at = text.indexOf("\u00e9");
        // the two bytes of é become a byte that starts no UTF-8 sequence and a continuation byte
        value[at] = (byte) 0xff;
        value[at + 1] = (byte) 0xa9;
        values.put(notUtf8, value);
        reasons.put(notUtf8, "invalid event: data.user_id: is not valid UTF-8 (byte 0xFF at offset " + at + ")");
        values.forEach((orderId, bytes) -> send("orders", user, bytes, Map.of("event_type", "order.created")));
        String good = UUID.randomUUID().toString();
        sendEvent("orders", "order.created", user, orderCreated(good, user, "mug", 1, "9"));

        for (String group : List.of("email-service", "inventory-service", "analytics-service", "order-service")) {
            for (Map.Entry<String, String> reason : reasons.entrySet()) {
                ConsumerRecord<byte[], byte[]> letter = deadLetter("orders", reason.getKey(), group);
                assertThat(header(letter, "dlq.exception.message")).as(group).isEqualTo(reason.getValue());
                assertThat(header(letter, "dlq.exception.class")).isEqualTo("org.orderevents.event.InvalidEventException");
                assertThat(header(letter, "dlq.attempts")).isEqualTo("1");
                assertThat(letter.value()).as("the original bytes").isEqualTo(values.get(reason.getKey()));
            }
        }
        awaitRounds("order-service-inventory", "SELECT COUNT(*) FROM orders WHERE order_id = '" + good + "' AND status = 'confirmed'",
                confirmed -> confirmed == 1);
        assertThat(available("mug")).isEqualTo(mugs - 1);
        assertThat(queryLong("SELECT COUNT(*) FROM orders WHERE user_id LIKE '" + user + "%'")).isEqualTo(1);
    }

    /** An order.created of one mug, in the envelope, as JSON text. */
    private static String order(String orderId, String user) {
        return envelope(UUID.randomUUID().toString(), "order.created", orderCreated(orderId, user, "mug", 1, "9"));
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
}
