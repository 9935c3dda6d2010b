package benchmark;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.orderevents.event.Json;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Realistic {@code order.created} events in the contract's envelope: unique event and order ids, 10,000 users (the
 * record key), 1-3 items of the sample catalogue; about 450 bytes of JSON each, with the {@code event_type} header.
 */
final class OrderEvents {

    /** product id, name, price: the products of schema.sql. */
    private static final String[][] CATALOGUE = {{"book-camel", "Camel in Action", "45.50"},
            {"book-kafka", "Kafka: The Definitive Guide", "39.90"}, {"mug", "Camel mug", "12.00"},
            {"sticker", "Camel sticker", "2.50"}, {"hoodie", "Kafka hoodie", "49.00"}, {"poster", "Event-driven poster", "15.00"}};

    record Event(String eventId, byte[] key, byte[] value) {
    }

    private OrderEvents() {
    }

    static List<Event> generate(int count, long seed) {
        Random random = new Random(seed);
        List<Event> events = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            events.add(next(random));
        }
        return events;
    }

    static Event next(Random random) {
        String userId = "user-" + String.format("%05d", random.nextInt(10_000));
        List<Map<String, Object>> items = new ArrayList<>();
        BigDecimal total = BigDecimal.ZERO;
        int count = 1 + random.nextInt(3);
        for (int i = 0; i < count; i++) {
            String[] product = CATALOGUE[random.nextInt(CATALOGUE.length)];
            int quantity = 1 + random.nextInt(3);
            BigDecimal price = new BigDecimal(product[2]);
            items.add(item(product[0], product[1], quantity, price));
            total = total.add(price.multiply(BigDecimal.valueOf(quantity)));
        }
        String now = Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("order_id", uuid(random));
        data.put("user_id", userId);
        data.put("items", items);
        data.put("total", total);
        data.put("status", "pending");
        data.put("created_at", now);
        Map<String, Object> envelope = new LinkedHashMap<>();
        String eventId = uuid(random);
        envelope.put("event_id", eventId);
        envelope.put("event_type", "order.created");
        envelope.put("timestamp", now);
        envelope.put("data", data);
        return new Event(eventId, bytes(userId), bytes(Json.write(envelope)));
    }

    private static Map<String, Object> item(String productId, String name, int quantity, BigDecimal price) {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("product_id", productId);
        item.put("name", name);
        item.put("quantity", quantity);
        item.put("price", price);
        return item;
    }

    private static String uuid(Random random) {
        return new UUID(random.nextLong(), random.nextLong()).toString();
    }

    static ProducerRecord<byte[], byte[]> record(Event event) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>("orders", event.key(), event.value());
        record.headers().add("event_type", bytes("order.created"));
        return record;
    }

    /** A producer like the application's (idempotent, acks=all, lz4), with the given linger. */
    static KafkaProducer<byte[], byte[]> producer(String brokers, int lingerMs) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers, ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.LINGER_MS_CONFIG, lingerMs, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    static void publish(String brokers, List<Event> events) {
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (KafkaProducer<byte[], byte[]> producer = producer(brokers, 20)) {
            events.forEach(event -> producer.send(record(event), (metadata, e) -> failure.compareAndSet(null, e)));
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("cannot load the topic: " + failure.get().getMessage(), failure.get());
        }
    }

    static double averageBytes(List<Event> events) {
        return events.stream().mapToInt(e -> e.value().length).average().orElse(0);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
