package org.orderevents;

import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.orderevents.event.EventCodec;
import org.orderevents.event.Json;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Retries that hold back only their own key: an inventory result that overtook its order is parked on
 * inventory.retry for 30 s, the later events of its key wait behind it, every other key flows on, and recording the order
 * makes the parked result due at once. A key parked for longer than retry.parked-warning-ms is named in the
 * parked-events check, which stays UP.
 */
class RetryTopicTest extends OrderEventsTestSupport {

    /** At least this many other users' orders, and for at least as long as PARKED_FOR. */
    private static final int OTHER_USERS = 20;
    private static final Duration PARKED_FOR = Duration.ofSeconds(30);
    /** How soon after its order a parked result must be confirmed (broker append times of the two records). */
    private static final long CONFIRMED_WITHIN_MS = 1_000;

    @Override
    protected Map<String, String> overrideProperties() {
        // the shipped policy for unknown orders (15 retries from 100 ms), the parked gauges read every 200 ms, and a key
        // parked for over 2 s named in the parked-events check
        return Map.of("retry.unknown-order.max-redeliveries", "15", "lag.interval-ms", "200", "retry.parked-warning-ms", "2000");
    }

    @Test
    void aResultAheadOfItsOrderHoldsBackOnlyItsKeyAndIsConfirmedOnceTheOrderArrives() throws Exception {
        String user = "ahead-" + UUID.randomUUID();
        String early = UUID.randomUUID().toString();
        String earlyCreated = UUID.randomUUID().toString();
        String later = UUID.randomUUID().toString();

        // the result of an order that order-service has not recorded yet (as inventory-service will publish it, with the
        // event id it derives from the order's event): parked, and its key held back
        send("inventory", user, Json.write(Map.of("event_id", EventCodec.derivedId(earlyCreated, "inventory.reserved"),
                "event_type", "inventory.reserved", "timestamp", Instant.now().toString(), "data", reserved(early, user))),
                Map.of("event_type", "inventory.reserved"));
        awaitParked(user, 1);
        Instant parkedAt = Instant.now();
        // a second order of the same user: its result waits behind the first one's, in order
        sendEvent("orders", "order.created", user, orderCreated(later, user, "mug", 1, "9"));
        awaitParked(user, 2);
        try {
            Poll.until("the parked gauge", Duration.ofSeconds(30), () ->
                    metric("order_events_parked_events", "group", "order-service", "topic", "inventory") == 2);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + ": " + http("GET", "/observe/metrics", null).body().lines()
                    .filter(line -> line.contains("parked_events{")).toList() + " " + rows(), e);
        }

        try {
            Poll.until("the parked-events check's warning", Duration.ofSeconds(30), () -> {
                HealthCheck.Result parked = parkedCheck();
                return parked.getState() == HealthCheck.State.UP
                        && parked.getMessage().orElse("").contains("warning: keys parked for longer than 2 s");
            });
        } catch (AssertionError e) {
            HealthCheck.Result parked = parkedCheck();
            throw new AssertionError(e.getMessage() + ": " + parked.getState() + " " + parked.getMessage() + " " + parked.getDetails(), e);
        }

        // other keys flow while it is parked, for 30 s: their orders are confirmed at once
        List<Long> latencies = new ArrayList<>();
        for (int i = 0; Instant.now().isBefore(parkedAt.plus(PARKED_FOR)) || i < OTHER_USERS; i++) {
            String order = UUID.randomUUID().toString();
            String other = "other-" + i + "-" + user;
            long sent = System.currentTimeMillis();
            sendEvent("orders", "order.created", other, orderCreated(order, other, "mug", 1, "9"));
            latencies.add(statusChange(order).timestamp() - sent);
        }
        assertThat(queryLong("SELECT COUNT(*) FROM parked_events WHERE record_key = '" + user + "'"))
                .as("the other keys were confirmed while this one stayed parked").isEqualTo(2);
        assertThat(status(later)).as("the later result waits behind the parked one").isEqualTo("pending");
        Collections.sort(latencies);
        long p99 = latencies.get((int) Math.ceil(latencies.size() * 0.99) - 1);
        System.out.printf("retry topic test: %d other keys confirmed while one key was parked for %d s, p50 %d ms, p99 %d ms, "
                + "max %d ms%n", latencies.size(), Duration.between(parkedAt, Instant.now()).toSeconds(),
                latencies.get(latencies.size() / 2), p99, latencies.get(latencies.size() - 1));
        assertThat(p99).as("other keys' p99, order to confirmation, while a key is parked").isLessThan(CONFIRMED_WITHIN_MS);

        // the order arrives: its parked result is due at once, then the one behind it
        send("orders", user, Json.write(Map.of("event_id", earlyCreated, "event_type", "order.created",
                "timestamp", Instant.now().toString(), "data", orderCreated(early, user, "mug", 1, "9"))),
                Map.of("event_type", "order.created"));
        ConsumerRecord<byte[], byte[]> created = records("orders", r -> text(r.value()).contains(earlyCreated), 1,
                Duration.ofSeconds(30)).get(0);
        ConsumerRecord<byte[], byte[]> first = statusChange(early);
        ConsumerRecord<byte[], byte[]> second = statusChange(later);
        System.out.printf("retry topic test: the parked result confirmed %d ms after its order%n", first.timestamp() - created.timestamp());
        assertThat(first.timestamp() - created.timestamp()).isLessThan(CONFIRMED_WITHIN_MS);
        assertThat(first.partition()).isEqualTo(second.partition());
        assertThat(first.offset()).as("the key's results in the order they came").isLessThan(second.offset());
        // order-service applies the status changes it published when it reads them back from the orders topic
        awaitStatus(early, "confirmed");
        awaitStatus(later, "confirmed");
        awaitParked(user, 0);
        // inventory-service's own result for the early order, the same event, was a duplicate: one status change each
        awaitHandled("order-service", 2 * latencies.size() + 5);
        assertThat(records("orders", r -> (text(r.value()).contains(early) || text(r.value()).contains(later))
                && "order.status_changed".equals(header(r, "event_type")), 3, Duration.ofSeconds(2))).hasSize(2);
        assertThat(records("inventory.dlq", r -> text(r.value()).contains(user), 1, Duration.ofSeconds(2))).isEmpty();
        Poll.until("the parked gauge back to 0", Duration.ofSeconds(30), () ->
                metric("order_events_parked_events", "group", "order-service", "topic", "inventory") == 0);
    }

    private HealthCheck.Result parkedCheck() {
        return HealthCheckRegistry.get(context).getCheck("parked-events").orElseThrow().call();
    }


    private String rows() throws Exception {
        StringBuilder rows = new StringBuilder();
        try (var connection = context.getRegistry().lookupByNameAndType("dataSource", javax.sql.DataSource.class).getConnection();
             var select = connection.createStatement().executeQuery("SELECT * FROM parked_events")) {
            while (select.next()) {
                for (int i = 1; i <= select.getMetaData().getColumnCount(); i++) {
                    rows.append(select.getString(i)).append(' ');
                }
                rows.append('\n');
            }
        }
        return rows.toString();
    }

    private static Map<String, Object> reserved(String orderId, String userId) {
        return Map.of("order_id", orderId, "user_id", userId,
                "items", List.of(Map.of("product_id", "mug", "name", "mug", "quantity", 1, "price", 9)));
    }

    private void awaitParked(String key, long records) throws Exception {
        Poll.until(records + " records of key " + key + " parked", Duration.ofSeconds(30), () -> queryLong(
                "SELECT COUNT(*) FROM parked_events WHERE group_id = 'order-service' AND record_key = '" + key + "'") == records);
    }

    private void awaitStatus(String orderId, String status) throws Exception {
        Poll.until("order " + orderId + " " + status, Duration.ofSeconds(30), () -> status.equals(status(orderId)));
    }

    private String status(String orderId) throws Exception {
        return json(http("GET", "/orders/" + orderId, null).body()).get("status").asText();
    }

    /** The order's status change, published by order-service once its inventory result is applied. */
    private ConsumerRecord<byte[], byte[]> statusChange(String orderId) {
        List<ConsumerRecord<byte[], byte[]>> found = records("orders", r -> text(r.value()).contains(orderId)
                && "order.status_changed".equals(header(r, "event_type")), 1, Duration.ofSeconds(30));
        assertThat(found).as("status change of " + orderId).isNotEmpty();
        return found.get(0);
    }
}
