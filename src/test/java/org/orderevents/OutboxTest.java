package org.orderevents;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What is on a topic matches what committed: a record the application publishes is written to the event outbox in its
 * decision's transaction, so a transaction whose commit fails publishes nothing; the order API's Idempotency-Key makes
 * a client's retry create nothing twice.
 */
class OutboxTest extends OrderEventsTestSupport {

    /** A product of the sample stock that no other order of these tests takes. */
    private static final String PRODUCT = "book-kafka";
    private static final long PRODUCT_STOCK = 20;

    @Test
    void anOrderWhoseCommitFailsPublishesNothingAndItsRetryCreatesOneOrder() throws Exception {
        String user = "commit-fails-" + UUID.randomUUID();
        String key = UUID.randomUUID().toString();
        String body = order(user, "mug");
        // the commit's last write, the outbox row, fails for this user only
        execute("ALTER TABLE event_outbox ADD CONSTRAINT outbox_test_fails CHECK (record_key <> '" + user + "')");
        HttpResponse<String> failed = http("POST", "/orders", body, Map.of("Idempotency-Key", key));
        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(queryLong("SELECT COUNT(*) FROM orders WHERE user_id = '" + user + "'")).as("the order rolled back").isZero();
        execute("ALTER TABLE event_outbox DROP CONSTRAINT outbox_test_fails");

        // the client retries with the same key: one order; and again: the first answer, nothing created
        HttpResponse<String> created = http("POST", "/orders", body, Map.of("Idempotency-Key", key));
        assertThat(created.statusCode()).isEqualTo(201);
        HttpResponse<String> again = http("POST", "/orders", body, Map.of("Idempotency-Key", key));
        assertThat(again.statusCode()).isEqualTo(201);
        assertThat(again.body()).isEqualTo(created.body());
        assertThat(again.headers().firstValue("Location")).isEqualTo(created.headers().firstValue("Location"));
        assertThat(queryLong("SELECT COUNT(*) FROM orders WHERE user_id = '" + user + "'")).isEqualTo(1);
        List<ConsumerRecord<byte[], byte[]>> published = records("orders", r -> r.value() != null
                && text(r.value()).contains(user) && "order.created".equals(header(r, "event_type")), 2, Duration.ofSeconds(5));
        assertThat(published).as("one order.created, for the committed order").hasSize(1);
        assertThat(text(published.get(0).value())).contains(orderId(created.body()));
    }

    @Test
    void aKeySentAgainWithAnotherRequestIsRefusedWith422() throws Exception {
        String user = "key-reuse-" + UUID.randomUUID();
        String key = UUID.randomUUID().toString();
        assertThat(http("POST", "/orders", order(user, "mug"), Map.of("Idempotency-Key", key)).statusCode()).isEqualTo(201);

        HttpResponse<String> reused = http("POST", "/orders", order(user, "sticker"), Map.of("Idempotency-Key", key));
        assertThat(reused.statusCode()).isEqualTo(422);
        assertThat(reused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(json(reused.body()).get("detail").asText()).contains(key);
        assertThat(queryLong("SELECT COUNT(*) FROM orders WHERE user_id = '" + user + "'")).isEqualTo(1);
    }

    @Test
    void concurrentRetriesWithOneKeyCreateOneOrder() throws Exception {
        String user = "concurrent-" + UUID.randomUUID();
        String key = UUID.randomUUID().toString();
        String body = order(user, "mug");
        ExecutorService clients = Executors.newFixedThreadPool(4);
        try {
            List<CompletableFuture<HttpResponse<String>>> answers = java.util.stream.IntStream.range(0, 4)
                    .mapToObj(i -> CompletableFuture.supplyAsync(() -> {
                        try {
                            return http("POST", "/orders", body, Map.of("Idempotency-Key", key));
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }, clients)).toList();
            for (CompletableFuture<HttpResponse<String>> answer : answers) {
                assertThat(answer.get().statusCode()).isEqualTo(201);
                assertThat(orderId(answer.get().body())).isEqualTo(orderId(answers.get(0).get().body()));
            }
        } finally {
            clients.shutdown();
        }
        assertThat(queryLong("SELECT COUNT(*) FROM orders WHERE user_id = '" + user + "'")).isEqualTo(1);
    }

    @Test
    void aBatchWhoseCommitFailsPublishesNoInventoryResultAndTakesNoStock() throws Exception {
        String user = "batch-fails-" + UUID.randomUUID();
        String failing = UUID.randomUUID().toString();
        // inventory-service's outbox row for this user fails its commit, every time: the event is dead-lettered in the end
        execute("ALTER TABLE event_outbox ADD CONSTRAINT outbox_test_inventory CHECK (record_key <> '" + user + "' OR topic <> 'inventory')");
        try {
            String others = "others-" + UUID.randomUUID();
            sendEvent("orders", "order.created", others + "-1", orderCreated(UUID.randomUUID().toString(), others + "-1", "mug", 1, "9"));
            sendEvent("orders", "order.created", user, orderCreated(failing, user, PRODUCT, 1, "30"));
            sendEvent("orders", "order.created", others + "-2", orderCreated(UUID.randomUUID().toString(), others + "-2", "mug", 1, "9"));

            deadLetter("orders", failing, "inventory-service");
            assertThat(records("inventory", r -> r.value() != null && text(r.value()).contains(others), 2, Duration.ofSeconds(30)))
                    .as("the other orders' results").hasSize(2);
            assertThat(records("inventory", r -> r.value() != null && text(r.value()).contains(failing), 1, Duration.ofSeconds(2)))
                    .as("no result for the order whose commit failed").isEmpty();
            assertThat(available(PRODUCT)).as("its stock was not taken").isEqualTo(PRODUCT_STOCK);
            Poll.until("nothing left in the outbox", Duration.ofSeconds(30), () -> queryLong("SELECT COUNT(*) FROM event_outbox") == 0);
        } finally {
            execute("ALTER TABLE event_outbox DROP CONSTRAINT outbox_test_inventory");
        }
    }

    private static String order(String user, String product) {
        return OrderRequest.of(user).item(product, 1, "2").json();
    }

    private void execute(String sql) throws SQLException {
        try (Connection connection = context.getRegistry().lookupByNameAndType("dataSource", javax.sql.DataSource.class).getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
