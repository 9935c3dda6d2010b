package org.orderevents.deadletter;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.kafka.KafkaComponent;
import org.apache.camel.component.kafka.KafkaConfiguration;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.orderevents.kafka.KafkaClients;
import org.orderevents.event.EventCodec;
import org.orderevents.event.Fields;
import org.orderevents.event.InvalidFieldException;
import org.orderevents.event.Json;
import org.orderevents.event.Schemas;
import org.orderevents.metrics.EventMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Properties;
import java.util.TreeSet;
import java.util.function.BiFunction;

/**
 * GET /dlq and POST /dlq/replay. A dead-letter topic is read by a short-lived consumer assigned to its partitions, with
 * no group, so nothing is committed. A replayed dead letter goes back to its original topic with its key, value and
 * original headers unchanged and {@code dlq.replayed}, {@code dlq.replay.of} instead of the {@code dlq.*} headers. The
 * group that gave up on it processes it again, since the rollback of its transaction left no processed-id record; the
 * groups that had processed it drop it as a duplicate.
 */
public class DeadLetterReplay {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterReplay.class);

    public static final List<String> TOPICS = List.of("orders" + DeadLetters.SUFFIX, "inventory" + DeadLetters.SUFFIX);

    private static final int DEFAULT_LIMIT = 50;
    private static final int MAX_LIMIT = 500;
    // an HTTP caller waits this long at most for the broker to answer, then gets 503
    private static final Duration BROKER_TIMEOUT = Duration.ofSeconds(5);
    private static final String PUBLISH_OPTIONS = "?maxBlockMs=5000&requestTimeoutMs=4000&deliveryTimeoutMs=8000";

    private final CamelContext context;
    private final ProducerTemplate producer;
    private final EventMetrics metrics;

    private final Duration idRetention;

    /** idRetention: how long processed ids are kept; an older dead letter would have its effects done again. */
    public DeadLetterReplay(CamelContext context, ProducerTemplate producer, EventMetrics metrics, Duration idRetention) {
        this.metrics = metrics;
        this.context = context;
        this.producer = producer;
        this.idRetention = idRetention;
    }

    /** One dead letter as GET /dlq shows it; a null key or value is shown as null, not left out. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Letter(String topic, int partition, long offset, String key, String value, Map<String, String> headers) {

        static Letter of(ConsumerRecord<byte[], byte[]> record) {
            Map<String, String> headers = new LinkedHashMap<>();
            for (Header header : record.headers()) {
                headers.put(header.key(), text(header.value()));
            }
            return new Letter(record.topic(), record.partition(), record.offset(), text(record.key()), text(record.value()), headers);
        }
    }

    /** GET /dlq?topic=orders.dlq&amp;limit=50: the newest dead letters of the topic, newest last. */
    public void list(Exchange exchange) throws Exception {
        Message message = exchange.getMessage();
        String topic = topic(message.getHeader("topic", String.class));
        int limit = limit(message.getHeader("limit", String.class));
        List<ConsumerRecord<byte[], byte[]>> letters = new ArrayList<>();
        // the newest `limit` of the topic are among the last `limit` of each partition
        read(topic, (partition, all) -> new Span(Math.max(all.from(), all.until() - limit), all.until()), letters::add);
        letters.sort(Comparator.comparingLong((ConsumerRecord<byte[], byte[]> r) -> r.timestamp())
                .thenComparingInt(ConsumerRecord::partition).thenComparingLong(ConsumerRecord::offset));
        List<Letter> newest = letters.subList(Math.max(0, letters.size() - limit), letters.size()).stream().map(Letter::of).toList();
        answer(message, Json.write(newest));
    }

    /**
     * POST /dlq/replay, body {@code {"topic", "event_type" (optional), "offsets": [{"partition", "offset"}] (optional)}}:
     * re-publishes the chosen dead letters, each acknowledged by the broker before the next, and answers how many.
     * Offsets that are not in the topic are left out of the count.
     */
    public void replay(Exchange exchange) throws Exception {
        Message message = exchange.getMessage();
        JsonNode body = Fields.requestBody(message.getBody(String.class));
        Schemas.validate(Schemas.DLQ_REPLAY, body);
        String topic = topic(Fields.optionalText(body, "topic", "topic"));
        String eventType = Fields.optionalText(body, "event_type", "event_type");
        Map<Integer, NavigableSet<Long>> offsets = offsets(body);
        List<ConsumerRecord<byte[], byte[]>> chosen = new ArrayList<>();
        read(topic, (partition, all) -> {
            if (offsets == null) {
                return all;
            }
            NavigableSet<Long> wanted = offsets.get(partition);
            return wanted == null ? null : new Span(Math.max(all.from(), wanted.first()), Math.min(all.until(), wanted.last() + 1));
        }, letter -> {
            if ((offsets == null || offsets.get(letter.partition()).contains(letter.offset()))
                    && (eventType == null || hasType(letter, eventType))) {
                chosen.add(letter);
            }
        });
        // the groups that processed an event older than the id retention no longer know it: they would act again
        for (ConsumerRecord<byte[], byte[]> letter : chosen) {
            Duration age = Duration.ofMillis(System.currentTimeMillis() - originalTimestamp(letter));
            if (age.compareTo(idRetention) > 0) {
                throw new ReplayTooOldException(letter.topic() + "/" + letter.partition() + "/" + letter.offset(), age, idRetention);
            }
        }
        int[] replayed = {0};
        for (ConsumerRecord<byte[], byte[]> letter : chosen) {
            if (republish(letter)) {
                replayed[0]++;
            }
        }
        LOG.info("Replayed {} dead letters of {} (event_type {}, offsets {})", replayed[0], topic,
                eventType == null ? "any" : eventType, offsets == null ? "all" : offsets);
        answer(message, Json.write(Map.of("replayed", replayed[0])));
    }

    /** When the dead letter's event was first written: its dlq.original.timestamp, else the dead letter's own. */
    private static long originalTimestamp(ConsumerRecord<byte[], byte[]> letter) {
        String original = text(letter.headers().lastHeader("dlq.original.timestamp"));
        try {
            return original == null ? letter.timestamp() : Long.parseLong(original);
        } catch (NumberFormatException e) {
            return letter.timestamp();
        }
    }

    /** Sends one dead letter back to its original topic and waits for the broker's ack; false if it names no topic. */
    private boolean republish(ConsumerRecord<byte[], byte[]> letter) throws Exception {
        String replayOf = letter.topic() + "/" + letter.partition() + "/" + letter.offset();
        String original = text(letter.headers().lastHeader("dlq.original.topic"));
        if (original == null || original.isBlank()) {
            LOG.warn("Dead letter {} has no dlq.original.topic header; not replayed", replayOf);
            return false;
        }
        Exchange sent = producer.send("kafka:" + original + PUBLISH_OPTIONS, exchange -> {
            Message record = exchange.getMessage();
            for (Header header : letter.headers()) {
                if (!header.key().startsWith("dlq.")) {
                    // as text, like every header the application reads: the tracer continues the trace of a text traceparent
                    record.setHeader(header.key(), text(header.value()));
                }
            }
            record.setHeader(KafkaConstants.KEY, letter.key());
            record.setHeader("dlq.replayed", "true");
            record.setHeader("dlq.replay.of", replayOf);
            record.setBody(letter.value());
        });
        if (sent.getException() != null) {
            throw sent.getException();
        }
        metrics.replayed(original);
        return true;
    }

    /** The first and the last-plus-one offset to read of a partition. */
    private record Span(long from, long until) {
    }

    private interface LetterAction {
        void accept(ConsumerRecord<byte[], byte[]> letter) throws Exception;
    }

    /**
     * Reads the chosen span of each partition (the chooser gets the partition and its whole span, and answers null to
     * skip it), up to the end offsets of the start, so dead letters written meanwhile, by a replay, are not read.
     */
    private void read(String topic, BiFunction<Integer, Span, Span> choose, LetterAction action) throws Exception {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, BROKER_TIMEOUT).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, BROKER_TIMEOUT);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, BROKER_TIMEOUT);
            Map<TopicPartition, Span> spans = new HashMap<>();
            for (TopicPartition partition : partitions) {
                Span span = choose.apply(partition.partition(), new Span(begin.get(partition), end.get(partition)));
                if (span != null && span.from() < span.until()) {
                    spans.put(partition, span);
                }
            }
            consumer.assign(spans.keySet());
            spans.forEach((partition, span) -> consumer.seek(partition, span.from()));
            Instant deadline = Instant.now().plus(BROKER_TIMEOUT);
            while (!spans.isEmpty()) {
                var records = consumer.poll(Duration.ofMillis(200));
                if (!records.isEmpty()) {
                    deadline = Instant.now().plus(BROKER_TIMEOUT);
                } else if (Instant.now().isAfter(deadline)) {
                    throw new TimeoutException("no records from " + topic + " for " + BROKER_TIMEOUT.toSeconds() + " s");
                }
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    Span span = spans.get(new TopicPartition(record.topic(), record.partition()));
                    if (span != null && record.offset() < span.until()) {
                        action.accept(record);
                    }
                }
                spans.keySet().removeIf(partition -> consumer.position(partition) >= spans.get(partition).until());
            }
        }
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        return KafkaClients.consumer(context, BROKER_TIMEOUT);
    }

    private static boolean hasType(ConsumerRecord<byte[], byte[]> letter, String eventType) {
        if (eventType.equals(text(letter.headers().lastHeader(EventCodec.EVENT_TYPE)))) {
            return true;
        }
        if (letter.value() == null) {
            return false;
        }
        try {
            JsonNode envelope = Json.MAPPER.readTree(letter.value());
            return envelope != null && eventType.equals(envelope.path(EventCodec.EVENT_TYPE).asText(null));
        } catch (IOException e) {
            // not JSON: only its header could have named the type
            return false;
        }
    }

    private static String topic(String topic) {
        if (topic == null || topic.isBlank()) {
            throw new InvalidFieldException("topic", "is required: one of " + String.join(", ", TOPICS));
        }
        if (!TOPICS.contains(topic)) {
            throw new InvalidFieldException("topic", "must be one of " + String.join(", ", TOPICS));
        }
        return topic;
    }

    private static int limit(String limit) {
        if (limit == null || limit.isBlank()) {
            return DEFAULT_LIMIT;
        }
        try {
            int value = Integer.parseInt(limit.trim());
            if (value >= 1 && value <= MAX_LIMIT) {
                return value;
            }
        } catch (NumberFormatException e) {
            // answered below, like a number out of range
        }
        throw new InvalidFieldException("limit", "must be an integer from 1 to " + MAX_LIMIT);
    }

    /** The offsets filter by partition, or null when the body has none. */
    private static Map<Integer, NavigableSet<Long>> offsets(JsonNode body) {
        JsonNode node = body.get("offsets");
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isArray() || node.isEmpty()) {
            throw new InvalidFieldException("offsets", "must be a non-empty array of {\"partition\", \"offset\"}");
        }
        Map<Integer, NavigableSet<Long>> offsets = new HashMap<>();
        for (int i = 0; i < node.size(); i++) {
            String at = "offsets[" + i + "]";
            long partition = Fields.whole(node.get(i).get("partition"), at + ".partition", Integer.MAX_VALUE);
            long offset = Fields.whole(node.get(i).get("offset"), at + ".offset", Long.MAX_VALUE);
            if (partition < 0 || offset < 0) {
                throw new InvalidFieldException(at + (partition < 0 ? ".partition" : ".offset"), "must be >= 0");
            }
            offsets.computeIfAbsent((int) partition, p -> new TreeSet<>()).add(offset);
        }
        return offsets;
    }

    private static void answer(Message message, String json) {
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setBody(json);
    }

    private static String text(Header header) {
        return header == null ? null : text(header.value());
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }
}
