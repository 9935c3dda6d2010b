package org.orderevents.event;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The published documents validate as the application reads, and their failures read as the application words them. */
class SchemasTest {

    private static final String ORDER = """
            {"event_id": "e1", "event_type": "order.created", "timestamp": "2026-11-22T10:00:00Z",
             "data": {"order_id": "o1", "user_id": "u1", "items": [{"product_id": "p1", "name": "P", "quantity": 3, "price": 1.1}],
                      "total": 3.3000000000000003, "status": "pending", "created_at": "2026-12-01T10:00:00.123456"}}""";

    @Test
    void aValidOrderCreatedAndEveryExampleInTheDocumentsPass() throws Exception {
        assertThatCode(() -> Schemas.validate(OrderCreated.TYPE, Json.read(ORDER))).doesNotThrowAnyException();
        for (String name : Schemas.DOCUMENTS) {
            JsonNode document = Json.read(new String(Schemas.document(Schemas.VERSION, name + ".json"), "UTF-8"));
            assertThat(document.path("$id").asText()).isEqualTo(Schemas.ID_PREFIX + "v1/" + name + ".json");
            for (JsonNode example : document.path("examples")) {
                if (example.isObject()) {
                    assertThatCode(() -> Schemas.validate(name, example)).as(name + " example " + example).doesNotThrowAnyException();
                }
            }
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"quantity\": 3|\"quantity\": 0|data.items[0].quantity: must be > 0",
            "\"quantity\": 3|\"quantity\": 2.5|data.items[0].quantity: must be an integer",
            "\"quantity\": 3|\"quantity\": \"3\"|data.items[0].quantity: must be an integer",
            "\"price\": 1.1|\"price\": -1|data.items[0].price: must be >= 0",
            "\"price\": 1.1|\"price\": \"1.1\"|data.items[0].price: must be a number",
            "\"price\": 1.1|\"price\": 1000000000|data.items[0].price: must be below 1000000000",
            "\"user_id\": \"u1\"|\"user_id\": \"\"|data.user_id: must be a non-empty string",
            "\"user_id\": \"u1\"|\"user_id\": \"  \"|data.user_id: must be a non-empty string",
            "\"user_id\": \"u1\"|\"user_id\": null|data.user_id: is required",
            "\"user_id\": \"u1\"|\"user_id\": 7|data.user_id: must be a non-empty string",
            "\"user_id\": \"u1\"|\"user_id\": \"u\\u0000x\"|data.user_id: must not contain a control character (U+0000 at position 1)",
            "\"user_id\": \"u1\", |''|data.user_id: is required",
            "\"status\": \"pending\"|\"status\": \"confirmed\"|data.status: must be \"pending\"",
            "\"created_at\": \"2026-12-01T10:00:00.123456\"|\"created_at\": \"yesterday\"|data.created_at: must be an ISO-8601 date-time such as 2026-11-22T10:00:00Z (UTC when it has no offset)",
            "\"items\": [{\"product_id\": \"p1\", \"name\": \"P\", \"quantity\": 3, \"price\": 1.1}]|\"items\": []|data.items: must be a non-empty array",
            "\"items\": [{\"product_id\": \"p1\", \"name\": \"P\", \"quantity\": 3, \"price\": 1.1}]|\"items\": {}|data.items: must be an array",
            "\"product_id\": \"p1\", |''|data.items[0].product_id: is required",
            "\"event_id\": \"e1\", |''|event_id: is required",
            "\"timestamp\": \"2026-11-22T10:00:00Z\"|\"timestamp\": \"2026-11-22 10:00\"|timestamp: must be an ISO-8601 date-time such as 2026-11-22T10:00:00Z (UTC when it has no offset)",
    })
    void aFailureNamesTheFieldAndSaysWhatItMustBe(String from, String to, String message) throws Exception {
        String broken = ORDER.replace(from, to == null ? "" : to);
        assertThat(broken).isNotEqualTo(ORDER);
        assertThatThrownBy(() -> Schemas.validate(OrderCreated.TYPE, Json.read(broken)))
                .isInstanceOf(InvalidFieldException.class).hasMessage(message);
    }

    @Test
    void aTooLongTextAndTooManyItemsAreNamed() throws Exception {
        String longId = ORDER.replace("\"u1\"", "\"" + "u".repeat(201) + "\"");
        assertThatThrownBy(() -> Schemas.validate(OrderCreated.TYPE, Json.read(longId)))
                .hasMessage("data.user_id: must be at most 200 characters");
        String item = "{\"product_id\": \"p1\", \"name\": \"P\", \"quantity\": 1, \"price\": 1}";
        String many = "{\"user_id\": \"u1\", \"items\": [" + String.join(",", java.util.Collections.nCopies(101, item)) + "]}";
        assertThatThrownBy(() -> Schemas.validate(Schemas.CREATE_ORDER, Json.read(many)))
                .hasMessage("items: must have at most 100 items");
    }

    @Test
    void requestBodiesAreNamedFromTheirRoot() throws Exception {
        assertThatThrownBy(() -> Schemas.validate(Schemas.CREATE_ORDER, Json.read("{\"items\": [{\"product_id\": \"p\", \"name\": \"n\", \"quantity\": 1, \"price\": 1}]}")))
                .hasMessage("user_id: is required");
        assertThatThrownBy(() -> Schemas.validate(Schemas.STATUS_CHANGE, Json.read("{\"status\": \"lost\"}")))
                .hasMessage("status: must be one of pending, confirmed, rejected, shipped, delivered, cancelled");
        assertThatThrownBy(() -> Schemas.validate(Schemas.DLQ_REPLAY, Json.read("{\"topic\": \"orders.dlq\", \"offsets\": [{\"partition\": -1, \"offset\": 0}]}")))
                .hasMessage("offsets[0].partition: must be >= 0");
        assertThatThrownBy(() -> Schemas.validate(Schemas.CREATE_ORDER, Json.read("[]")))
                .hasMessage("body: must be an object");
    }

    @Test
    void anEventTypeThisVersionDoesNotNameIsCheckedByTheEnvelope() {
        assertThat(Schemas.forEventType("order.created")).isEqualTo("order.created");
        assertThat(Schemas.forEventType("order.archived")).isEqualTo("envelope");
        assertThat(Schemas.forEventType("definitions")).isEqualTo("envelope");
        assertThat(Schemas.forEventType(null)).isEqualTo("envelope");
    }
}
