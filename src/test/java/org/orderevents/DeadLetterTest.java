package org.orderevents;

import org.apache.camel.Exchange;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.support.DefaultExchange;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.orderevents.batch.EventBatch;
import org.orderevents.event.EventCodec;
import org.orderevents.event.Json;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What cannot be processed goes to the dead-letter topic with the contract's headers, and nothing behind it waits. */
class DeadLetterTest extends OrderEventsTestSupport {

    @Test
    void aMalformedEventIsDeadLetteredAtOnceWithItsOriginalBytesAndHeaders() throws Exception {
        String marker = "not-json-" + UUID.randomUUID();
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("inventory-service").whenDone(1).create();

        send("orders", "user_9", "{" + marker, Map.of("trace", "abc"));

        assertThat(done.matches(30, SECONDS)).isTrue();
        ConsumerRecord<byte[], byte[]> letter = deadLetterOf("inventory-service", marker);
        assertThat(text(letter.value())).isEqualTo("{" + marker);
        assertThat(text(letter.key())).isEqualTo("user_9");
        assertThat(header(letter, "trace")).as("original headers are kept").isEqualTo("abc");
        assertThat(header(letter, "dlq.original.topic")).isEqualTo("orders");
        assertThat(header(letter, "dlq.original.partition")).matches("[0-2]");
        assertThat(header(letter, "dlq.original.offset")).matches("\\d+");
        assertThat(header(letter, "dlq.original.timestamp")).matches("\\d+");
        assertThat(header(letter, "dlq.route")).isEqualTo("inventory-service");
        assertThat(header(letter, "dlq.exception.class")).isEqualTo("org.orderevents.event.InvalidEventException");
        assertThat(header(letter, "dlq.exception.message")).startsWith("record value is not JSON");
        assertThat(header(letter, "dlq.exception.stacktrace")).contains("InvalidEventException");
        assertThat(header(letter, "dlq.attempts")).as("no retries for an invalid event").isEqualTo("1");
        assertThat(header(letter, "dlq.failed.at")).isNotBlank();
        // every consumer group of orders dead-letters it once, in its own name
        for (String group : List.of("email-service", "order-service")) {
            assertThat(deadLetterOf(group, marker)).isNotNull();
        }
    }

    @Test
    void anEventWithoutEventIdOrWithBadDataIsDeadLetteredNamingTheField() throws Exception {
        String orderId = UUID.randomUUID().toString();
        send("orders", "user_8", "{\"event_type\":\"order.created\",\"timestamp\":\"2026-11-22T10:00:00Z\",\"data\":{\"order_id\":\""
                + orderId + "\"}}", Map.of());
        Map<String, Object> badQuantity = orderCreated(orderId + "-q", "user_8", "mug", 0, "1");
        sendEvent("orders", "order.created", "user_8", badQuantity);

        assertThat(header(deadLetterOf("inventory-service", orderId + "\""), "dlq.exception.message"))
                .isEqualTo("invalid event: event_id: is required");
        assertThat(header(deadLetterOf("inventory-service", orderId + "-q"), "dlq.exception.message"))
                .isEqualTo("invalid event: data.items[0].quantity: must be > 0");
    }

    @Test
    void anUnknownEventTypeIsSkippedNotDeadLettered() throws Exception {
        String marker = UUID.randomUUID().toString();
        String orderId = UUID.randomUUID().toString();
        sendEvent("orders", "order.refunded", "user_7", Map.of("order_id", marker, "user_id", "user_7"));
        sendEvent("orders", "order.created", "user_7", orderCreated(orderId, "user_7", "sticker", 10, "1"));

        awaitHandled("inventory-service", 2);
        assertThat(available("sticker")).isEqualTo(990);
        assertThat(records("orders.dlq", r -> text(r.value()).contains(marker), 1, Duration.ofSeconds(3))).isEmpty();
        assertThat(http("GET", "/observe/metrics", null).body())
                .containsPattern("order_events_skipped_total\\{reason=\"unhandled\",service=\"inventory-service\"[^}]*} [1-9]");
    }

    @Test
    void aTransientFailureIsParkedRetriedThenDeadLetteredWithItsHistoryAndItsKeyFlowsOnAfterIt() throws Exception {
        // an inventory result for an order that order-service never saw fails on every attempt
        String unknownOrder = "unknown-" + UUID.randomUUID();
        String knownOrder = UUID.randomUUID().toString();
        // inventory-service waits, so that its result for the known order comes behind the two sent here
        context.getRouteController().stopRoute("inventory-service");
        String created = sendEvent("orders", "order.created", "user_6", orderCreated(knownOrder, "user_6", "mug", 1, "9"));
        awaitHandled("order-service", 1);

        String failing = sendEvent("inventory", "inventory.reserved", "user_6", Map.of("order_id", unknownOrder, "user_id", "user_6",
                "items", List.of(Map.of("product_id", "mug", "name", "mug", "quantity", 1, "price", 9))));
        // the known order's result as inventory-service publishes it (the id it derives): a duplicate when that comes
        String passing = EventCodec.derivedId(created, "inventory.reserved");
        send("inventory", "user_6", Json.write(Map.of("event_id", passing, "event_type", "inventory.reserved",
                "timestamp", Instant.now().toString(), "data", Map.of("order_id", knownOrder, "user_id", "user_6",
                        "items", List.of(Map.of("product_id", "mug", "name", "mug", "quantity", 1, "price", 9))))),
                Map.of("event_type", "inventory.reserved"));
        context.getRouteController().startRoute("inventory-service");

        awaitHandled("order-service", 3);
        ConsumerRecord<byte[], byte[]> letter = deadLetters("inventory", unknownOrder, 1).get(0);
        assertThat(header(letter, "dlq.attempts")).as("1 attempt + 3 retries").isEqualTo("4");
        assertThat(header(letter, "dlq.consumer.group")).isEqualTo("order-service");
        assertThat(header(letter, "dlq.route")).as("its last attempt came from the retry topic").isEqualTo("order-service-inventory-retry");
        assertThat(header(letter, "retry.history")).contains("attempt 1 failed", "attempt 3 failed", "unknown order");
        assertThat(header(letter, "dlq.exception.class")).isEqualTo("org.orderevents.order.OrderNotFoundException");
        assertThat(header(letter, "dlq.original.topic")).isEqualTo("inventory");
        // the event behind it (same key) waited for it, then was processed: its status change, with the id derived from
        // it, is on the orders topic
        String derivedId = EventCodec.derivedId(passing, "order.status_changed");
        assertThat(records("orders", r -> derivedId.equals(header(r, "event_id")), 1, Duration.ofSeconds(30))).hasSize(1);
        assertThat(queryLong("SELECT COUNT(*) FROM processed_events WHERE event_id = '" + failing + "'"))
                .as("the dead-lettered event left no processed record, so a replay of it is processed").isZero();
    }

    @Test
    void aBadEventInABatchIsDeadLetteredAloneAndTheOthersCommitOnce() throws Exception {
        // three events of one user while the route is stopped: on its start they come in one poll, as one batch, whose
        // transaction fails at the second; each event then goes alone (event-alone), and only that one is dead-lettered
        String before = UUID.randomUUID().toString();
        String after = UUID.randomUUID().toString();
        String marker = "bad-in-a-batch-" + UUID.randomUUID();
        long mugs = available("mug");
        context.getRouteController().stopRoute("inventory-service");
        String beforeId = sendEvent("orders", "order.created", "user_8", orderCreated(before, "user_8", "mug", 1, "9"));
        send("orders", "user_8", "{" + marker, Map.of());
        String afterId = sendEvent("orders", "order.created", "user_8", orderCreated(after, "user_8", "mug", 2, "9"));
        context.getRouteController().startRoute("inventory-service");

        awaitHandled("inventory-service", 3);
        ConsumerRecord<byte[], byte[]> letter = deadLetterOf("inventory-service", marker);
        assertThat(header(letter, "dlq.attempts")).isEqualTo("1");
        assertThat(available("mug")).as("each order reserved once").isEqualTo(mugs - 3);
        // by event id: inventory-service also reads the orders' status changes that follow
        assertThat(queryLong("SELECT COUNT(*) FROM processed_events WHERE processor_name = 'inventory-service' AND event_id IN ('"
                + beforeId + "', '" + afterId + "')")).isEqualTo(2);
        assertThat(metric("order_events_dead_lettered_total", "service", "inventory-service")).isEqualTo(1);
        // the result of the event before the bad one may be published twice (by the rolled-back batch, then alone),
        // with the same event_id both times: order-service skips the repeat
        for (String orderId : List.of(before, after)) {
            List<ConsumerRecord<byte[], byte[]>> results = records("inventory", r -> text(r.value()).contains(orderId), 1,
                    Duration.ofSeconds(10));
            assertThat(results).as("the inventory result of " + orderId).isNotEmpty();
            Set<String> ids = new HashSet<>();
            for (ConsumerRecord<byte[], byte[]> result : results) {
                ids.add(json(text(result.value())).get("event_id").asText());
            }
            assertThat(ids).hasSize(1);
        }
    }

    @Test
    void aBatchRouteNamingNoEventRouteFailsBeforeTouchingItsEvents() {
        // a typo in a route file's eventBatch step: the poll fails with the name, rather than every event dead-lettered
        EventBatch eventBatch = context.getRegistry().lookupByNameAndType("eventBatch", EventBatch.class);
        Exchange batch = new DefaultExchange(context);
        batch.getMessage().setBody(List.of(new DefaultExchange(context)));
        assertThatThrownBy(() -> eventBatch.process(batch, "direct:inventory-service-evnt"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no route consumes direct:inventory-service-evnt");
    }

    private ConsumerRecord<byte[], byte[]> deadLetterOf(String group, String marker) {
        List<ConsumerRecord<byte[], byte[]>> letters = records("orders.dlq",
                r -> text(r.value()).contains(marker) && group.equals(header(r, "dlq.consumer.group")), 1, Duration.ofSeconds(30));
        assertThat(letters).as("dead letter of " + group).hasSize(1);
        return letters.get(0);
    }
}
