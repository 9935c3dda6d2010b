package org.orderevents.event;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventCodecTest {

    private static final String CREATED = "{\"event_id\":\"e-1\",\"event_type\":\"order.created\",\"timestamp\":\"2026-11-22T10:00:00Z\","
            + "\"data\":{\"order_id\":\"o-1\",\"user_id\":\"u-1\",\"status\":\"pending\",\"total\":91,\"created_at\":\"2026-11-22T10:00:00Z\","
            + "\"items\":[{\"product_id\":\"book-camel\",\"name\":\"Camel in Action\",\"quantity\":2,\"price\":45.5}]}}";

    @Test
    void parsesAnOrderCreatedIntoTypedData() {
        Event<?> event = EventCodec.parse(bytes(CREATED));

        assertThat(event.eventId()).isEqualTo("e-1");
        assertThat(event.data()).isInstanceOf(OrderCreated.class);
        OrderCreated order = (OrderCreated) event.data();
        assertThat(order.items()).containsExactly(new OrderItem("book-camel", "Camel in Action", 2, new java.math.BigDecimal("45.5")));
        assertThat(event.key()).isEqualTo("u-1");
    }

    @Test
    void writesWhatItParses() {
        Event<?> event = EventCodec.parse(bytes(CREATED));

        assertThat(EventCodec.parse(EventCodec.write(event))).isEqualTo(event);
    }

    @Test
    void namesTheFieldThatBreaksTheRules() {
        List<List<String>> cases = List.of(
                List.of("not json", "record value is not JSON"),
                List.of("[1]", "record value is not a JSON object"),
                List.of(CREATED.replace("\"event_id\":\"e-1\",", ""), "invalid event: event_id: is required"),
                List.of(CREATED.replace("\"event_type\":\"order.created\",", ""), "invalid event: event_type: is required"),
                List.of(CREATED.replace("\"quantity\":2", "\"quantity\":0"), "invalid event: data.items[0].quantity: must be > 0"),
                List.of(CREATED.replace("\"price\":45.5", "\"price\":-1"), "invalid event: data.items[0].price: must be >= 0"),
                List.of(CREATED.replace("\"status\":\"pending\"", "\"status\":\"paid\""), "invalid event: data.status: must be \"pending\""),
                List.of(CREATED.replace("\"timestamp\":\"2026-11-22T10:00:00Z\"", "\"timestamp\":\"yesterday\""), "invalid event: timestamp: must be an ISO-8601"));
        for (List<String> bad : cases) {
            assertThatThrownBy(() -> EventCodec.parse(bytes(bad.get(0)))).as(bad.get(0))
                    .isInstanceOf(InvalidEventException.class).hasMessageStartingWith(bad.get(1));
        }
        assertThatThrownBy(() -> EventCodec.parse(new byte[0])).isInstanceOf(InvalidEventException.class);
    }

    @Test
    void leavesTheDataOfAnUnknownTypeEmpty() {
        Event<?> event = EventCodec.parse(bytes(CREATED.replace("order.created", "order.refunded")));

        assertThat(event.isKnown()).isFalse();
        assertThat(event.eventType()).isEqualTo("order.refunded");
    }

    @Test
    void derivesTheSameIdFromTheSameSourceEvent() {
        Event<?> source = EventCodec.parse(bytes(CREATED));
        OrderStatusChanged change = new OrderStatusChanged("o-1", "u-1", "confirmed", null, "2026-11-22T10:00:01Z");

        assertThat(EventCodec.derivedFrom(source, OrderStatusChanged.TYPE, change).eventId())
                .isEqualTo(EventCodec.derivedFrom(source, OrderStatusChanged.TYPE, change).eventId())
                .isNotEqualTo(EventCodec.derivedFrom(source, InventoryReserved.TYPE, change).eventId());
    }

    /** As kafka-python's value serializer json.dumps(v).encode('utf-8') writes it: ", " and ": ", \\uXXXX escapes, floats. */
    private static final String PYTHON_CREATED = "{\"event_id\": \"e-py\", \"event_type\": \"order.created\", "
            + "\"timestamp\": \"2026-12-01T10:00:00.123456\", \"data\": {\"order_id\": \"o-py\", \"user_id\": \"u-py\", "
            + "\"items\": [{\"product_id\": \"book-camel\", \"name\": \"Caf\\u00e9 \\ud83d\\udc2a\", \"quantity\": 2, \"price\": 45.5}], "
            + "\"total\": 91.0, \"status\": \"pending\", \"created_at\": \"2026-12-01T10:00:00\"}}";

    @Test
    void parsesAnOrderCreatedAsPythonWritesItWithItsTimesInUtc() {
        Event<?> event = EventCodec.parse(bytes(PYTHON_CREATED));

        assertThat(event.timestamp()).isEqualTo("2026-12-01T10:00:00.123456Z");
        OrderCreated order = (OrderCreated) event.data();
        assertThat(order.createdAt()).isEqualTo("2026-12-01T10:00:00Z");
        assertThat(order.items()).containsExactly(new OrderItem("book-camel", "Caf\u00e9 \uD83D\uDC2A", 2, new java.math.BigDecimal("45.5")));
        assertThat(order.total()).isEqualByComparingTo("91");
        // what the application writes of it is UTC with Z, and reads back the same
        assertThat(new String(EventCodec.write(event), StandardCharsets.UTF_8))
                .contains("\"timestamp\":\"2026-12-01T10:00:00.123456Z\"", "\"created_at\":\"2026-12-01T10:00:00Z\"");
        assertThat(EventCodec.parse(EventCodec.write(event))).isEqualTo(event);
    }

    @Test
    void readsEveryTimeWithAnOffsetAsItsInstantInUtc() {
        Event<?> event = EventCodec.parse(bytes(CREATED.replace("\"timestamp\":\"2026-11-22T10:00:00Z\"", "\"timestamp\":\"2026-11-22T12:00:00+02:00\"")
                .replace("\"created_at\":\"2026-11-22T10:00:00Z\"", "\"created_at\":\"2026-11-22T05:00:00.250-05:00\"")));

        assertThat(event.timestamp()).isEqualTo("2026-11-22T10:00:00Z");
        assertThat(((OrderCreated) event.data()).createdAt()).isEqualTo("2026-11-22T10:00:00.250Z");
    }

    @Test
    void aStatusChangeMayLeaveTheUserOut() {
        String change = "{\"event_id\": \"e-py-2\", \"event_type\": \"order.status_changed\", \"timestamp\": \"2026-12-01T11:30:00\", "
                + "\"data\": {\"order_id\": \"o-py\", \"status\": \"shipped\", \"updated_at\": \"2026-12-01T11:30:00.000001\"}}";

        Event<?> event = EventCodec.parse(bytes(change));

        assertThat(event.data()).isEqualTo(new OrderStatusChanged("o-py", null, "shipped", null, "2026-12-01T11:30:00.000001Z"));
        assertThat(EventCodec.parse(bytes(change.replace("\"data\": {", "\"data\": {\"user_id\": null, "))).data())
                .isEqualTo(event.data());
        // when it is there, it follows the rules
        assertThatThrownBy(() -> EventCodec.parse(bytes(change.replace("\"data\": {", "\"data\": {\"user_id\": \"\", "))))
                .isInstanceOf(InvalidEventException.class).hasMessage("invalid event: data.user_id: must be a non-empty string");
        // the other events of an order still name their user
        assertThatThrownBy(() -> EventCodec.parse(bytes(CREATED.replace("\"user_id\":\"u-1\",", ""))))
                .isInstanceOf(InvalidEventException.class).hasMessage("invalid event: data.user_id: is required");
    }

    @Test
    void refusesABadTimeNamingItsField() {
        List<List<String>> cases = List.of(
                List.of("\"timestamp\": \"2026-12-01T10:00:00.123456\"", "\"timestamp\": \"2026-12-01 10:00:00.123456\"", "timestamp"),
                List.of("\"created_at\": \"2026-12-01T10:00:00\"", "\"created_at\": \"2026-12-01T25:00:00\"", "data.created_at"),
                List.of("\"created_at\": \"2026-12-01T10:00:00\"", "\"created_at\": \"2026-12-01T10:00:00+2\"", "data.created_at"),
                List.of("\"created_at\": \"2026-12-01T10:00:00\"", "\"created_at\": 1764583200.5", "data.created_at"));
        for (List<String> c : cases) {
            String bad = PYTHON_CREATED.replace(c.get(0), c.get(1));
            assertThat(bad).isNotEqualTo(PYTHON_CREATED);
            assertThatThrownBy(() -> EventCodec.parse(bytes(bad))).as(c.get(1)).isInstanceOf(InvalidEventException.class)
                    .hasMessageStartingWith("invalid event: " + c.get(2) + ": must be ");
        }
        String change = "{\"event_id\": \"e\", \"event_type\": \"order.status_changed\", \"timestamp\": \"2026-12-01T11:30:00\", "
                + "\"data\": {\"order_id\": \"o\", \"status\": \"shipped\", \"updated_at\": \"tomorrow\"}}";
        assertThatThrownBy(() -> EventCodec.parse(bytes(change))).isInstanceOf(InvalidEventException.class).hasMessage(
                "invalid event: data.updated_at: must be an ISO-8601 date-time such as 2026-11-22T10:00:00Z (UTC when it has no offset)");
    }

    @Test
    void readsAPythonFloatTotalAndPriceAsTheirCentAmounts() {
        String created = PYTHON_CREATED.replace("\"quantity\": 2, \"price\": 45.5", "\"quantity\": 3, \"price\": 1.1")
                .replace("\"total\": 91.0", "\"total\": 3.3000000000000003");

        OrderCreated order = (OrderCreated) EventCodec.parse(bytes(created)).data();

        assertThat(order.total()).isEqualByComparingTo("3.30");
        assertThat(order.items().get(0).price()).isEqualByComparingTo("1.1");
        OrderCreated noisyPrice = (OrderCreated) EventCodec.parse(bytes(PYTHON_CREATED.replace("\"price\": 45.5", "\"price\": 0.30000000000000004")))
                .data();
        assertThat(noisyPrice.items().get(0).price()).isEqualByComparingTo("0.30");
        // what the application writes of it is the cent amount
        assertThat(new String(EventCodec.write(EventCodec.parse(bytes(created))), StandardCharsets.UTF_8)).contains("\"total\":3.30");
        // the items of an inventory result carry their prices too
        String reserved = "{\"event_id\": \"e-r\", \"event_type\": \"inventory.reserved\", \"timestamp\": \"2026-12-01T10:00:01\", "
                + "\"data\": {\"order_id\": \"o-py\", \"user_id\": \"u-py\", \"items\": [{\"product_id\": \"mug\", \"name\": \"m\", "
                + "\"quantity\": 1, \"price\": 2.0999999999999996}]}}";
        assertThat(((InventoryReserved) EventCodec.parse(bytes(reserved)).data()).items().get(0).price()).isEqualByComparingTo("2.10");
        assertThatThrownBy(() -> EventCodec.parse(bytes(reserved.replace("2.0999999999999996", "2.105"))))
                .isInstanceOf(InvalidEventException.class).hasMessageStartingWith("invalid event: data.items[0].price: must be a cent amount");
    }

    @Test
    void refusesWhatACarelessProducerWritesNamingTheField() {
        List<List<String>> cases = List.of(
                List.of("\"total\": 91.0", "\"total\": 12.345", "invalid event: data.total: must be a cent amount: 12.345 has more than 2 decimals"),
                List.of("\"price\": 45.5", "\"price\": 12.3449", "invalid event: data.items[0].price: must be a cent amount: 12.3449 has"),
                List.of("\"user_id\": \"u-py\"", "\"user_id\": \"u\\u0000x\"", "invalid event: data.user_id: must not contain a control character (U+0000"),
                List.of("\"name\": \"Caf", "\"name\": \"\\ud800Caf", "invalid event: data.items[0].name: must not contain a lone surrogate (U+D800"),
                List.of("\"user_id\": \"u-py\"", "\"user_id\": \"a\", \"user_id\": \"b\"", "invalid event: data.user_id: appears twice in one object"),
                List.of("\"event_id\": \"e-py\"", "\"event_id\": \"e-py\", \"event_id\": \"e-2\"", "invalid event: event_id: appears twice in one object"));
        for (List<String> c : cases) {
            String bad = PYTHON_CREATED.replace(c.get(0), c.get(1));
            assertThat(bad).isNotEqualTo(PYTHON_CREATED);
            assertThatThrownBy(() -> EventCodec.parse(bytes(bad))).as(c.get(1)).isInstanceOf(InvalidEventException.class)
                    .hasMessageStartingWith(c.get(2));
        }
        // invalid UTF-8 in a value: named, where a lenient decoder would have made it U+FFFD
        byte[] value = bytes(PYTHON_CREATED.replace("\"user_id\": \"u-py\"", "\"user_id\": \"u-\u00ff\""));
        int at = PYTHON_CREATED.indexOf("\"u-py\"") + 3;
        value[at] = (byte) 0xff;
        value[at + 1] = (byte) 0xfe;
        assertThatThrownBy(() -> EventCodec.parse(value)).isInstanceOf(InvalidEventException.class)
                .hasMessage("invalid event: data.user_id: is not valid UTF-8 (byte 0xFF at offset " + at + ")");
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readsTheEventIdAloneWhereverItIsAndNothingFromWhatIsNotAnEnvelope() {
        assertThat(EventCodec.eventId(bytes(CREATED))).isEqualTo(EventCodec.parse(bytes(CREATED)).eventId());
        assertThat(EventCodec.eventId(bytes("{\"data\":{\"event_id\":\"inner\"},\"event_id\":\"e-2\"}"))).isEqualTo("e-2");
        assertThat(EventCodec.eventId(bytes("{\"event_id\":42}"))).isNull();
        assertThat(EventCodec.eventId(bytes("{\"event_type\":\"order.created\"}"))).isNull();
        assertThat(EventCodec.eventId(bytes("[\"event_id\"]"))).isNull();
        assertThat(EventCodec.eventId(bytes("{not json"))).isNull();
        assertThat(EventCodec.eventId(null)).isNull();
    }

    @Test
    void aDerivedIdIsTheVersion3UuidOfTheSourceIdAndTypeAsBefore() {
        // ids derived before this code must still be recognised as the same: the JDK's name-based UUID
        for (String name : List.of("", "e-1/order.status_changed", "3f2a9c1e-0000-4000-8000-000000000000/inventory.reserved", "\u00e9v\u00e9nement")) {
            assertThat(EventCodec.nameUuid(name)).isEqualTo(UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void nowIsTheInstantToTheMillisecondAsInstantWritesIt() {
        Instant before = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        String now = EventCodec.now();
        Instant after = Instant.now();

        assertThat(Instant.parse(now)).isBetween(before, after);
        assertThat(now).isEqualTo(Instant.parse(now).toString()).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{3})?Z");
    }
}
