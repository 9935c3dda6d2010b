package org.orderevents.fault;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.orderevents.Poll;
import org.orderevents.TestBroker;
import org.orderevents.event.EventCodec;
import org.orderevents.event.Json;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGKILL while events are parked, and again while their keys are being woken: inventory results arrive ahead of their
 * orders (as after a broker outage), are parked with the results behind them, the application is killed, restarted,
 * the orders come, and it is killed again in mid-stream. Every order is confirmed once, in order per key, with one
 * result and one status change each; nothing is left parked or dead-lettered.
 */
class ParkedKillTest extends ServerDatabaseTestSupport {

    private static final int USERS = 10;
    private static final int ORDERS_PER_USER = 8;
    private static final int ORDERS = USERS * ORDERS_PER_USER;
    private static final int STOCK = 1_000_000;

    @Test
    void killedWhileEventsAreParkedItLosesAndRepeatsNothing() throws Exception {
        String run = "parked-" + UUID.randomUUID();
        TestBroker.moveGroupsToEnd();
        seedDatabase("sticker", STOCK);
        Map<String, String> properties = appProperties();
        List<ProducerRecord<byte[], byte[]>> results = new ArrayList<>();
        List<ProducerRecord<byte[], byte[]>> orders = new ArrayList<>();
        for (int i = 0; i < ORDERS; i++) {
            String user = run + "-user-" + (i % USERS);
            String orderId = run + "-" + i;
            String createdId = UUID.randomUUID().toString();
            orders.add(orderCreated(createdId, orderId, user, "sticker"));
            // the result inventory-service will derive from that order.created (same event id), here ahead of it
            results.add(record("inventory", user, Json.write(Map.of("event_id", EventCodec.derivedId(createdId, "inventory.reserved"),
                    "event_type", "inventory.reserved", "timestamp", Instant.now().toString(), "data", Map.of("order_id", orderId,
                            "user_id", user, "items", List.of(Map.of("product_id", "sticker", "name", "sticker", "quantity", 1,
                                    "price", 1)))))));
        }

        try (AppProcess app = AppProcess.start(properties, log("parked-kill-1"))) {
            publish(results);
            Poll.until("every result parked", Duration.ofMinutes(2), () -> queryLong("SELECT COUNT(*) FROM parked_events") == ORDERS);
            app.kill();
        }
        try (AppProcess app = AppProcess.start(properties, log("parked-kill-2"))) {
            publish(orders);
            Poll.until("some results confirmed", Duration.ofMinutes(2),
                    () -> published("orders", run, "order.status_changed").events() >= ORDERS / 4);
            app.kill();
        }
        try (AppProcess app = AppProcess.start(properties, log("parked-kill-3"))) {
            awaitAllProcessed(run, ORDERS, Duration.ofMinutes(3));
            // inventory-service's own results, the same events as those that came ahead, are parked behind them too:
            // each is a duplicate once its turn comes
            Poll.until("nothing parked", Duration.ofMinutes(2), () -> queryLong("SELECT COUNT(*) FROM parked_events") == 0);
            assertThat(app.stop()).isIn(0, 130, 143);
        }

        Published statuses = published("orders", run, "order.status_changed");
        Published reserved = published("inventory", run, "inventory.reserved");
        long deadLetters = deadLetters("orders.dlq", run).size() + deadLetters("inventory.dlq", run).size();
        System.out.printf("parked kill test: %d orders over %d keys, 2 SIGKILLs; status changes %d distinct in %d records, "
                + "results %d distinct, dead letters %d, parked left %d%n", ORDERS, USERS, statuses.events(), statuses.records(), reserved.events(),
                deadLetters, queryLong("SELECT COUNT(*) FROM parked_events"));
        assertThat(reserved.events()).as("one result per order: inventory-service's own is the same event").isEqualTo(ORDERS);
        assertThat(statuses.events()).as("one status change per order").isEqualTo(ORDERS);
        assertThat(queryLong("SELECT COUNT(*) FROM orders WHERE status = 'confirmed'")).isEqualTo(ORDERS);
        assertThat(STOCK - queryLong("SELECT available FROM stock WHERE product_id = 'sticker'")).isEqualTo(ORDERS);
        assertThat(queryLong("SELECT COUNT(*) FROM processed_events WHERE processor_name = 'order-service'"))
                .as("order-service: each order, result and status change once").isEqualTo(3L * ORDERS);
        assertThat(queryLong("SELECT COUNT(*) FROM parked_events")).as(parkedRows()).isZero();
        assertThat(deadLetters).isZero();
        assertThat(emailFiles()).isEqualTo(2L * ORDERS);
        assertThat(totalLag()).isZero();
    }

    /** The parked rows left, for the failure's message. */
    private String parkedRows() throws Exception {
        StringBuilder rows = new StringBuilder("parked rows left:");
        try (var dataSource = org.orderevents.db.Database.open(dbUrl(), dbUser(), "");
             var connection = dataSource.getConnection(); var select = connection.createStatement().executeQuery(
                     "SELECT source_partition, source_offset, record_key, attempts, woken FROM parked_events ORDER BY 1, 2")) {
            while (select.next()) {
                rows.append(String.format(" %d@%d %s a%d w%s;", select.getInt(1), select.getLong(2), select.getString(3),
                        select.getInt(4), select.getBoolean(5)));
            }
        }
        return rows.toString();
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, String key, String value) {
        return new ProducerRecord<>(topic, bytes(key), bytes(value));
    }

}
