package benchmark;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariDataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.kafka.KafkaComponent;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.processor.idempotent.jdbc.JdbcMessageIdRepository;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.orderevents.db.Database;
import org.orderevents.db.ProcessedEvents;
import org.orderevents.event.Json;

import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** The two reference consumers the application is compared with; each reads the topic with a group of its own. */
final class Baselines {

    private Baselines() {
    }

    /**
     * Baseline A: a plain kafka-clients consumer that parses each event with Jackson and commits once per poll
     * ({@code commitSync}). Timed from the first poll that returns records to the commit of the last one.
     */
    static double plainConsumer(String brokers, long records) throws Exception {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers, ConsumerConfig.GROUP_ID_CONFIG, "bench-a-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of("orders"));
            long read = 0;
            long start = 0;
            long items = 0;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (read < records) {
                ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(100));
                if (batch.isEmpty()) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("baseline A read only " + read + " of " + records);
                    }
                    continue;
                }
                if (start == 0) {
                    start = System.nanoTime();
                }
                for (ConsumerRecord<byte[], byte[]> record : batch) {
                    JsonNode event = Json.MAPPER.readTree(record.value());
                    items += event.path("data").path("items").size();
                }
                consumer.commitSync();
                read += batch.count();
            }
            if (items == 0) {
                throw new IllegalStateException("the events have no items");
            }
            return read / ((System.nanoTime() - start) / 1e9);
        }
    }

    /**
     * Baseline B: a Camel route {@code kafka:orders} (camel-kafka's defaults: one consumer, auto-commit) that reads
     * the event id with Jackson and passes the event through an idempotent consumer on camel-sql's stock
     * {@link JdbcMessageIdRepository} (SELECT COUNT, then INSERT, in a transaction of its own per event), on a
     * HikariCP pool. Timed from the first exchange to the last event that passed the repository.
     */
    static double camelJdbcIdempotent(String brokers, long records, BenchDatabase database) throws Exception {
        AtomicLong passed = new AtomicLong();
        AtomicLong start = new AtomicLong();
        CompletableFuture<Long> done = new CompletableFuture<>();
        try (HikariDataSource dataSource = database.open(); CamelContext context = new DefaultCamelContext()) {
            context.getComponent("kafka", KafkaComponent.class).getConfiguration().setBrokers(brokers);
            JdbcMessageIdRepository repository = new JdbcMessageIdRepository(dataSource, "baseline-b");
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("kafka:orders?groupId=bench-b-" + UUID.randomUUID() + "&autoOffsetReset=earliest"
                            + "&valueDeserializer=org.apache.kafka.common.serialization.ByteArrayDeserializer")
                            .process(exchange -> {
                                start.compareAndSet(0, System.nanoTime());
                                JsonNode event = Json.MAPPER.readTree(exchange.getMessage().getBody(byte[].class));
                                exchange.getMessage().setHeader("event_id", event.get("event_id").asText());
                            })
                            .idempotentConsumer(header("event_id"), repository)
                            .process(exchange -> {
                                if (passed.incrementAndGet() == records) {
                                    done.complete(System.nanoTime());
                                }
                            });
                }
            });
            context.start();
            long end = done.get(30, TimeUnit.MINUTES);
            return records / ((end - start.get()) / 1e9);
        }
    }

    /**
     * The floor under every service: the project's durable duplicate check alone ({@link ProcessedEvents#claimAll},
     * a poll's 2,000 claims as multi-row INSERTs and a commit), on the same kind of fresh database, with no Kafka, no
     * Camel and no effect. No service that writes a claim per event can be faster than this on the database.
     */
    static double durableClaims(List<String> eventIds, BenchDatabase database) throws Exception {
        try (HikariDataSource dataSource = database.open()) {
            Database.migrate(dataSource);
            ProcessedEvents claims = new ProcessedEvents(dataSource, "bench-claims");
            long start = System.nanoTime();
            for (int from = 0; from < eventIds.size(); from += 2000) {
                try (Connection connection = dataSource.getConnection()) {
                    connection.setAutoCommit(false);
                    int batch = Math.min(2000, eventIds.size() - from);
                    if (claims.claimAll(connection, eventIds.subList(from, from + batch)).size() != batch) {
                        throw new IllegalStateException("a claim of the floor run was not new");
                    }
                    connection.commit();
                }
            }
            return eventIds.size() / ((System.nanoTime() - start) / 1e9);
        }
    }
}
