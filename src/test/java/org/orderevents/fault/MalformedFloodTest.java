package org.orderevents.fault;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.orderevents.TestBroker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A flood of malformed events among valid ones: each malformed one is dead-lettered by every group at once (no
 * retries) with the reason, every valid one is processed exactly once, and no partition stalls behind a bad one.
 */
class MalformedFloodTest extends FaultTestSupport {

    private static final int VALID = 1000;
    private static final int STOCK = 1_000_000;
    private static final List<String> ORDERS_GROUPS = List.of("email-service", "inventory-service", "order-service", "analytics-service");

    /** Kinds of bad record, each carrying the marker so the test finds its dead letters. */
    private static final List<Function<String, String>> MALFORMED = List.of(
            marker -> "not json at all " + marker,
            marker -> "{\"event_id\":\"" + marker + "\",\"event_type\":\"order.cr",
            marker -> "{\"event_type\":\"order.created\",\"timestamp\":\"2026-11-22T10:00:00Z\",\"data\":{\"order_id\":\"" + marker + "\"}}",
            marker -> "{\"event_id\":\"" + marker + "\",\"event_type\":\"order.created\",\"timestamp\":\"2026-11-22T10:00:00Z\","
                    + "\"data\":{\"order_id\":\"" + marker + "\",\"user_id\":\"u\",\"status\":\"pending\",\"total\":1,"
                    + "\"created_at\":\"2026-11-22T10:00:00Z\",\"items\":[{\"product_id\":\"sticker\",\"name\":\"s\",\"quantity\":-3,\"price\":1}]}}",
            marker -> "{\"event_id\":\"" + marker + "\",\"event_type\":\"order.status_changed\",\"timestamp\":\"yesterday\",\"data\":{}}",
            marker -> "[\"" + marker + "\"]");

    @Test
    void everyMalformedEventIsDeadLetteredEveryValidOneProcessedAndNoPartitionStalls() throws Exception {
        String run = "flood-" + UUID.randomUUID();
        // the bad records' marker does not contain the run id, so the valid events' counts never include them
        String badRun = "malformed-" + UUID.randomUUID();
        TestBroker.moveGroupsToEnd();
        seedDatabase("sticker", STOCK);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        int malformed = 0;
        for (int i = 0; i < VALID; i++) {
            String user = "user-" + (i % 64);
            records.add(orderCreated(run + "-event-" + i, run + "-" + i, user, "sticker"));
            // after every second valid event, a bad one on the same key: it sits between good ones of its partition
            if (i % 2 == 1) {
                String marker = badRun + "-" + malformed;
                ProducerRecord<byte[], byte[]> bad = new ProducerRecord<>("orders", bytes(user),
                        bytes(MALFORMED.get(malformed % MALFORMED.size()).apply(marker)));
                bad.headers().add("event_type", bytes("order.created"));
                bad.headers().add("test.kind", bytes(String.valueOf(malformed % MALFORMED.size())));
                records.add(bad);
                malformed++;
            }
        }
        publish(records);
        int bad = malformed;

        try (AppProcess app = AppProcess.start(appProperties(), log("malformed-flood"))) {
            awaitAllProcessed(run, VALID, Duration.ofMinutes(4));
            assertThat(app.stop()).isIn(0, 130, 143);
        }

        List<Map<String, String>> letters = deadLetters("orders.dlq", badRun);
        for (Map<String, String> letter : letters) {
            assertThat(letter.get("dlq.exception.class")).isEqualTo("org.orderevents.event.InvalidEventException");
            assertThat(letter.get("dlq.exception.message")).isNotBlank();
            assertThat(letter.get("dlq.attempts")).as("an invalid event is not retried").isEqualTo("1");
            assertThat(letter.get("dlq.original.topic")).isEqualTo("orders");
            assertThat(letter.get("event_type")).as("original headers kept").isEqualTo("order.created");
        }
        Map<String, Long> perGroup = letters.stream().collect(Collectors.groupingBy(l -> l.get("dlq.consumer.group"), Collectors.counting()));
        Map<String, Long> perGroupAndKind = letters.stream().collect(Collectors.groupingBy(
                l -> l.get("dlq.consumer.group") + "/kind " + l.get("test.kind"), java.util.TreeMap::new, Collectors.counting()));
        long distinctBad = letters.stream().map(l -> l.get("dlq.original.partition") + "/" + l.get("dlq.original.offset")).distinct().count();

        long confirmed = queryLong("SELECT COUNT(*) FROM orders WHERE status = 'confirmed'");
        long stockTaken = STOCK - queryLong("SELECT available FROM stock WHERE product_id = 'sticker'");
        long analyticsOrders = queryLong("SELECT total_orders FROM analytics_totals");
        long files = emailFiles();
        System.out.printf("malformed flood test: %d valid and %d malformed events (%d kinds); dead letters %d %s; confirmed %d, "
                + "stock taken %d, analytics orders %d, e-mails %d; lost %d, duplicated %d%n", VALID, malformed, MALFORMED.size(),
                letters.size(), perGroup, confirmed, stockTaken, analyticsOrders, files,
                VALID - Math.min(confirmed, Math.min(stockTaken, analyticsOrders)), Math.max(0, Math.max(stockTaken, analyticsOrders) - VALID));
        assertThat(perGroupAndKind).as("dead letters per group and kind of bad record")
                .hasSize(ORDERS_GROUPS.size() * MALFORMED.size());
        assertThat(distinctBad).as("every malformed record dead-lettered").isEqualTo(malformed);
        assertThat(perGroup).containsOnlyKeys(ORDERS_GROUPS).allSatisfy((group, count) -> assertThat(count).isEqualTo(bad));
        assertThat(confirmed).isEqualTo(VALID);
        assertThat(stockTaken).isEqualTo(VALID);
        assertThat(analyticsOrders).isEqualTo(VALID);
        assertThat(files).isEqualTo(2L * VALID);
        assertThat(totalLag()).as("no partition stalled").isZero();
    }
}
