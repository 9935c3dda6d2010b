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
import org.orderevents.event.Json;

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
}
