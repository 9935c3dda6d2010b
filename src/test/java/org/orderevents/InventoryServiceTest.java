package org.orderevents;

import org.apache.camel.builder.NotifyBuilder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.orderevents.event.OrderStatusChanged;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.UUID;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

class InventoryServiceTest extends OrderEventsTestSupport {

    /** The units of schema.sql's sample stock: 50 + 20 + 100 + 1000 + 0 + 0, and the seed's prod_1, prod_2, prod_3: 100 + 50 + 0. */
    private static final long SAMPLE_STOCK_UNITS = 1320;

    @Test
    void reservesStockAndPublishesInventoryReserved() throws Exception {
        String orderId = UUID.randomUUID().toString();
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("inventory-service").whenCompleted(1).create();

        sendEvent("orders", "order.created", "user_1", orderCreated(orderId, "user_1", "book-camel", 3, "45.50"));

        assertThat(done.matches(30, SECONDS)).isTrue();
        assertThat(available("book-camel")).isEqualTo(47);
        List<ConsumerRecord<byte[], byte[]>> results = records("inventory", r -> text(r.value()).contains(orderId), 1, Duration.ofSeconds(30));
        assertThat(results).hasSize(1);
        assertThat(header(results.get(0), "event_type")).isEqualTo("inventory.reserved");
        assertThat(text(results.get(0).key())).isEqualTo("user_1");
        assertThat(json(text(results.get(0).value())).at("/data/items/0/quantity").asInt()).isEqualTo(3);
    }

    @Test
    void reservesNothingWhenOneItemIsMissingAndPublishesInventoryFailed() throws Exception {
        String orderId = UUID.randomUUID().toString();
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("inventory-service").whenCompleted(1).create();
        Map<String, Object> data = Map.of("order_id", orderId, "user_id", "user_2", "status", "pending",
                "created_at", "2026-11-22T10:00:00Z", "total", 105, "items", List.of(
                        Map.of("product_id", "mug", "name", "Camel mug", "quantity", 5, "price", 9),
                        Map.of("product_id", "hoodie", "name", "Kafka hoodie", "quantity", 1, "price", 60)));

        sendEvent("orders", "order.created", "user_2", data);

        assertThat(done.matches(30, SECONDS)).isTrue();
        assertThat(available("mug")).as("all or nothing: the mugs are not taken").isEqualTo(100);
        List<ConsumerRecord<byte[], byte[]>> results = records("inventory", r -> text(r.value()).contains(orderId), 1, Duration.ofSeconds(30));
        assertThat(header(results.get(0), "event_type")).isEqualTo("inventory.failed");
        assertThat(json(text(results.get(0).value())).at("/data/missing/0/product_id").asText()).isEqualTo("hoodie");
        assertThat(json(text(results.get(0).value())).at("/data/missing/0/available").asInt()).isZero();
    }

    @Test
    void aDuplicateEventReservesOnce() throws Exception {
        String orderId = UUID.randomUUID().toString();
        String event = envelope("dup-" + orderId, "order.created", orderCreated(orderId, "user_3", "book-kafka", 2, "10"));

        send("orders", "user_3", event, Map.of());
        send("orders", "user_3", event, Map.of());

        Poll.until("the repeat skipped", Duration.ofSeconds(30),
                () -> metric("order_events_skipped_total", "service", "inventory-service", "reason", "duplicate") == 1);
        assertThat(available("book-kafka")).isEqualTo(18);
        assertThat(queryLong("SELECT COUNT(*) FROM processed_events WHERE processor_name = 'inventory-service' "
                + "AND event_id = 'dup-" + orderId + "'")).isEqualTo(1);
    }

    @Test
    void aRedeliveredEventInABatchIsSkippedAndTheOthersReserveOnce() throws Exception {
        // a batch looks its event ids up before its events run (ProcessedEvents.beforeBatch): the redelivered one is
        // skipped as a duplicate, the new one's claim is held and written with the batch
        String first = UUID.randomUUID().toString();
        String eventId = sendEvent("orders", "order.created", "user_5", orderCreated(first, "user_5", "sticker", 4, "1"));
        Poll.until("the first order reserved", Duration.ofSeconds(30), () -> available("sticker") == 1000 - 4);
        context.getRouteController().stopRoute("inventory-service");
        String second = UUID.randomUUID().toString();
        resend("orders", eventId);
        String secondId = sendEvent("orders", "order.created", "user_5", orderCreated(second, "user_5", "sticker", 5, "1"));
        context.getRouteController().startRoute("inventory-service");

        // inventory-service also reads the orders' status changes (its view of each order): counted by event id here
        Poll.until("the repeat skipped", Duration.ofSeconds(30),
                () -> metric("order_events_skipped_total", "service", "inventory-service", "reason", "duplicate") == 1);
        Poll.until("the second order reserved", Duration.ofSeconds(30), () -> available("sticker") == 1000 - 4 - 5);
        assertThat(queryLong("SELECT COUNT(*) FROM processed_events WHERE processor_name = 'inventory-service' AND event_id IN ('"
                + eventId + "', '" + secondId + "')")).isEqualTo(2);
        List<ConsumerRecord<byte[], byte[]>> results = records("inventory", r -> text(r.value()).contains(second), 1, Duration.ofSeconds(30));
        Set<String> ids = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> result : results) {
            ids.add(json(text(result.value())).get("event_id").asText());
        }
        assertThat(ids).as("the second order's inventory result, however often published, has one event_id").hasSize(1);
    }

    @Test
    void aStatusChangeOtherThanACancellationLeavesTheStock() throws Exception {
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("inventory-service").whenCompleted(1).create();

        sendEvent("orders", OrderStatusChanged.TYPE, "user_4", Map.of("order_id", "o-4", "user_id", "user_4",
                "status", "shipped", "updated_at", "2026-11-22T10:00:00Z"));

        assertThat(done.matches(30, SECONDS)).isTrue();
        assertThat(queryLong("SELECT SUM(available) FROM stock")).isEqualTo(SAMPLE_STOCK_UNITS);
    }
}
