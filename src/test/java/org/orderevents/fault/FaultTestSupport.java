package org.orderevents.fault;

import com.zaxxer.hikari.HikariDataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.io.TempDir;
import org.orderevents.Poll;
import org.orderevents.TestBroker;
import org.orderevents.TestPostgres;
import org.orderevents.db.Database;
import org.orderevents.event.Json;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Base of the tests that kill or cut the real thing: the application runs in its own JVM ({@link AppProcess}) on the
 * test broker and an H2 file database of its own, as a user runs it (the test reads it once the application has
 * stopped); the test owns the event stream.
 */
abstract class FaultTestSupport {

    @TempDir
    Path dataDir;

    /** The application's output, kept under target/ for the failure's post-mortem (the data directory is deleted). */
    static Path log(String name) throws IOException {
        Path dir = Path.of("target", "fault-logs");
        Files.createDirectories(dir);
        return dir.resolve(name + ".log");
    }

    /** The broker the application and the test use: the test JVM's one, unless a test brings its own. */
    String brokers() {
        return TestBroker.bootstrapServers();
    }

    /** A PostgreSQL database of the test's own ({@link #usePostgres}), which the application then uses instead of H2. */
    String postgresDatabase;

    String dbUrl() {
        return postgresDatabase != null ? TestPostgres.urlOf(postgresDatabase)
                : "jdbc:h2:file:" + dataDir.resolve("db") + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE";
    }

    String dbUser() {
        return postgresDatabase != null ? TestPostgres.USER : "sa";
    }

    /** An empty PostgreSQL database for the test, dropped by {@link #dropPostgres}; skips the test without PostgreSQL. */
    void usePostgres() {
        assumeTrue(TestPostgres.reachable(), TestPostgres.UNREACHABLE);
        postgresDatabase = TestPostgres.createDatabase();
    }

    void dropPostgres() {
        if (postgresDatabase != null) {
            TestPostgres.dropDatabase(postgresDatabase);
        }
    }

    Map<String, String> appProperties() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return Map.of("kafka.brokers", brokers(), "data.dir", dataDir.toString(), "db.url", dbUrl(), "db.user", dbUser(),
                    "http.port", String.valueOf(socket.getLocalPort()), "retry.delay-ms", "100");
        }
    }

    /** The schema, and stock enough that no order is rejected whatever the order in which partitions are processed. */
    void seedDatabase(String productId, int available) throws SQLException {
        try (HikariDataSource dataSource = Database.open(dbUrl(), dbUser(), "")) {
            Database.migrate(dataSource);
            try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
                statement.executeUpdate("UPDATE stock SET available = " + available + " WHERE product_id = '" + productId + "'");
            }
        }
    }

    /** Publishes {@code count} order.created events of one item of the product at 1.00, keyed over 64 users. */
    Set<String> publishOrders(String runId, int count, String productId) throws Exception {
        Set<String> orderIds = new HashSet<>();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String orderId = runId + "-" + i;
            orderIds.add(orderId);
            records.add(orderCreated(runId + "-event-" + i, orderId, "user-" + (i % 64), productId));
        }
        publish(records);
        return orderIds;
    }

    /** An order.created record of one item of the product at 1.00. */
    static ProducerRecord<byte[], byte[]> orderCreated(String eventId, String orderId, String userId, String productId) {
        String value = Json.write(Map.of("event_id", eventId, "event_type", "order.created",
                "timestamp", Instant.now().toString(), "data", Map.of("order_id", orderId, "user_id", userId,
                        "status", "pending", "total", 1, "created_at", "2026-11-22T10:00:00Z",
                        "items", List.of(Map.of("product_id", productId, "name", productId, "quantity", 1, "price", 1)))));
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>("orders", bytes(userId), bytes(value));
        record.headers().add("event_type", bytes("order.created"));
        return record;
    }

    /** Sends the records in order, acknowledged by the broker. */
    void publish(List<ProducerRecord<byte[], byte[]>> records) throws Exception {
        // one request in flight: a retried batch is never behind later ones (a fresh, busy broker answered a retry of
        // the first batch with OutOfOrderSequenceException until the delivery timeout)
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers(), ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            records.forEach(record -> sent.add(producer.send(record)));
            for (var result : sent) {
                result.get();
            }
        }
    }

    /** The events of a type on a topic: how many distinct event ids, in how many records (a repeat is a record more). */
    record Published(long events, long records) {
    }

    /** The events of the type on the topic whose values contain the run id. */
    Published published(String topic, String runId, String eventType) {
        Set<String> ids = new HashSet<>();
        long[] records = {0};
        readTopic(topic, record -> {
            String value = new String(record.value(), StandardCharsets.UTF_8);
            if (value.contains(runId) && value.contains("\"event_type\":\"" + eventType + "\"")) {
                records[0]++;
                ids.add(Json.MAPPER.readTree(value).get("event_id").asText());
            }
        });
        return new Published(ids.size(), records[0]);
    }

    /**
     * Publishes {@code count} order.created events of one unit each of two products at 1.00, keyed over 64 users: the
     * even users name them in one order, the odd users in the other, so that batches lock the products both ways.
     */
    Set<String> publishTwoItemOrders(String runId, int count, String first, String second) throws Exception {
        Set<String> orderIds = new HashSet<>();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String orderId = runId + "-" + i;
            String userId = "user-" + (i % 64);
            List<String> products = i % 2 == 0 ? List.of(first, second) : List.of(second, first);
            orderIds.add(orderId);
            String value = Json.write(Map.of("event_id", runId + "-event-" + i, "event_type", "order.created",
                    "timestamp", Instant.now().toString(), "data", Map.of("order_id", orderId, "user_id", userId,
                            "status", "pending", "total", 2, "created_at", "2026-11-22T10:00:00Z",
                            "items", products.stream().map(p -> Map.of("product_id", p, "name", p, "quantity", 1, "price", 1)).toList())));
            ProducerRecord<byte[], byte[]> record = new ProducerRecord<>("orders", bytes(userId), bytes(value));
            record.headers().add("event_type", bytes("order.created"));
            records.add(record);
        }
        publish(records);
        return orderIds;
    }

    /** The inventory results of a run: per order, the distinct event ids, and the types they came as. */
    record Results(Map<String, Set<String>> eventIds, Map<String, Set<String>> types) {

        long reserved() {
            return types.values().stream().filter(t -> t.contains("inventory.reserved")).count();
        }
    }

    Results inventoryResults(String runId) {
        Map<String, Set<String>> ids = new HashMap<>();
        Map<String, Set<String>> types = new HashMap<>();
        readTopic("inventory", record -> {
            String value = new String(record.value(), StandardCharsets.UTF_8);
            if (value.contains(runId)) {
                var event = Json.MAPPER.readTree(value);
                String orderId = event.at("/data/order_id").asText();
                ids.computeIfAbsent(orderId, o -> new HashSet<>()).add(event.get("event_id").asText());
                types.computeIfAbsent(orderId, o -> new HashSet<>()).add(event.get("event_type").asText());
            }
        });
        return new Results(ids, types);
    }

    /**
     * What a run of two-item orders must end in, however it was cut: one inventory result per order (one event id,
     * one type); its status matching it; the stock taken exactly by the reserved orders; one confirmation and one status
     * e-mail per order; analytics counting each order once.
     */
    void assertEachOrderDecidedOnce(String runId, Set<String> orderIds, String first, String second, int stock) throws Exception {
        Results results = inventoryResults(runId);
        Map<String, String> statuses = new HashMap<>();
        Map<String, List<String>> emails = new HashMap<>();
        try (HikariDataSource dataSource = Database.open(dbUrl(), dbUser(), "");
             Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            try (var rows = statement.executeQuery("SELECT order_id, status FROM orders WHERE order_id LIKE '" + runId + "%'")) {
                while (rows.next()) {
                    statuses.put(rows.getString(1), rows.getString(2));
                }
            }
            try (var rows = statement.executeQuery("SELECT subject FROM email_outbox WHERE subject LIKE 'Order " + runId + "%'")) {
                while (rows.next()) {
                    String[] subject = rows.getString(1).split(" ");
                    emails.computeIfAbsent(subject[1], o -> new ArrayList<>()).add(subject[2]);
                }
            }
        }
        List<String> wrong = new ArrayList<>();
        for (String order : orderIds) {
            Set<String> types = results.types().getOrDefault(order, Set.of());
            String expected = types.equals(Set.of("inventory.reserved")) ? "confirmed" : "rejected";
            List<String> mails = emails.getOrDefault(order, List.of());
            if (results.eventIds().getOrDefault(order, Set.of()).size() != 1 || types.size() != 1) {
                wrong.add(order + ": results " + results.eventIds().get(order) + " " + types);
            } else if (!expected.equals(statuses.get(order))) {
                wrong.add(order + ": " + types + " but " + statuses.get(order));
            } else if (mails.size() != 2 || !mails.contains("received") || !mails.contains(expected)) {
                wrong.add(order + ": e-mails " + mails);
            }
        }
        long reserved = results.reserved();
        System.out.printf("decided once: %d orders, %d reserved, %d rejected; %d wrong%n", orderIds.size(), reserved,
                orderIds.size() - reserved, wrong.size());
        assertThat(wrong).as("orders without exactly one result, status and pair of e-mails").isEmpty();
        for (String product : List.of(first, second)) {
            assertThat(queryLong("SELECT available FROM stock WHERE product_id = '" + product + "'"))
                    .as(product + ": the stock less one unit per reserved order").isEqualTo(stock - reserved);
        }
        assertThat(reserved).as("the stock ran out").isLessThan(orderIds.size());
        assertThat(queryLong("SELECT total_orders FROM analytics_totals")).as("each order counted once").isEqualTo(orderIds.size());
    }

    /** Pseudo-headers of {@link #deadLetters}: where the dead letter itself is in its topic. */
    static final String DLQ_PARTITION = "test.dlq.partition";
    static final String DLQ_OFFSET = "test.dlq.offset";

    /**
     * The headers of each record of a dead-letter topic whose value contains the marker, plus its own partition and
     * offset under {@link #DLQ_PARTITION} and {@link #DLQ_OFFSET}.
     */
    List<Map<String, String>> deadLetters(String topic, String marker) {
        List<Map<String, String>> letters = new ArrayList<>();
        readTopic(topic, record -> {
            if (record.value() != null && new String(record.value(), StandardCharsets.UTF_8).contains(marker)) {
                Map<String, String> headers = new HashMap<>();
                record.headers().forEach(h -> headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8)));
                headers.put(DLQ_PARTITION, String.valueOf(record.partition()));
                headers.put(DLQ_OFFSET, String.valueOf(record.offset()));
                letters.add(headers);
            }
        });
        return letters;
    }

    private interface RecordAction {
        void accept(ConsumerRecord<byte[], byte[]> record) throws IOException;
    }

    /** Every record of the topic's 3 partitions, from the beginning to the end offsets of now. */
    private void readTopic(String topic, RecordAction action) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                "bootstrap.servers", brokers()), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = IntStream.range(0, 3).mapToObj(p -> new TopicPartition(topic, p)).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    action.accept(record);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The summed lag of every service group on the topics it consumes. */
    long totalLag() throws Exception {
        return lagPerGroup().values().stream().mapToLong(Long::longValue).sum();
    }

    /** The lag of each service group on the topics it consumes (orders; order-service also inventory). */
    Map<String, Long> lagPerGroup() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers()))) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (String topic : List.of("orders", "inventory")) {
                for (int p = 0; p < 3; p++) {
                    latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
                }
            }
            Map<TopicPartition, Long> end = new HashMap<>();
            admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).forEach((tp, info) -> end.put(tp, info.offset()));
            Map<String, Long> lags = new TreeMap<>();
            for (String group : TestBroker.GROUPS.keySet()) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
                long lag = 0;
                for (TopicPartition tp : end.keySet()) {
                    if (tp.topic().equals("orders") || group.equals("order-service")) {
                        OffsetAndMetadata offset = committed.get(tp);
                        lag += end.get(tp) - (offset == null ? 0 : offset.offset());
                    }
                }
                lags.put(group, lag);
            }
            return lags;
        }
    }

    /**
     * Waits until {@code events} orders of the run have their status change published, every group's lag is 0 and
     * every e-mail is delivered (two per order: confirmation and status change, as .eml files); on time-out the
     * failure says which of the three was missing.
     */
    void awaitAllProcessed(String runId, int events, Duration timeout) throws Exception {
        awaitAllProcessed(runId, events, 2L * events, timeout);
    }

    /** Every status change of the run on the topic (and no more), every group's lag 0, at least so many e-mails sent. */
    void awaitAllProcessed(String runId, int statusChanges, long emails, Duration timeout) throws Exception {
        long[] state = new long[3];
        try {
            Poll.until("every order's status change, every group's lag 0, every e-mail sent", timeout, () -> {
                state[0] = published("orders", runId, "order.status_changed").events();
                state[1] = totalLag();
                state[2] = emailFiles();
                return state[0] == statusChanges && state[1] == 0 && state[2] >= emails;
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + String.format(": at the end %d of %d status changes, lag %d, %d of %d e-mails",
                    state[0], statusChanges, state[1], state[2], emails), e.getCause());
        }
    }

    /** The e-mails delivered: .eml files in the outbox directory (there is no SMTP server in these tests). */
    long emailFiles() throws IOException {
        Path outbox = dataDir.resolve("outbox");
        if (!Files.isDirectory(outbox)) {
            return 0;
        }
        try (var files = Files.list(outbox)) {
            return files.count();
        }
    }

    long queryLong(String sql) throws SQLException {
        try (HikariDataSource dataSource = Database.open(dbUrl(), dbUser(), "");
             Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            return rows.next() ? rows.getLong(1) : -1;
        }
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
