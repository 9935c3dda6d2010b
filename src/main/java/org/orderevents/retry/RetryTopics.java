package org.orderevents.retry;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.orderevents.kafka.TopicProducers;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The copies of parked records on {@code <topic>.retry}: the original key, value and headers, and {@code retry.*}
 * headers that say whose copy it is (the consumer group), where the record came from, the retry policy, and, as
 * parked, its attempts, when it is due and its failure. A copy whose row in {@link ParkedEvents} is gone is stale and
 * skipped. A dead letter of a parked record has the final {@code retry.attempts} and {@code retry.history} (one line per
 * failed attempt).
 */
public class RetryTopics {

    public static final String SUFFIX = ".retry";
    public static final String GROUP = "retry.group";
    public static final String ATTEMPTS = "retry.attempts";
    public static final String DUE_AT = "retry.due.at";
    public static final String POLICY = "retry.policy";
    public static final String HISTORY = "retry.history";
    public static final String ORIGINAL_TOPIC = "retry.original.topic";
    public static final String ORIGINAL_PARTITION = "retry.original.partition";
    public static final String ORIGINAL_OFFSET = "retry.original.offset";
    public static final String ORIGINAL_TIMESTAMP = "retry.original.timestamp";

    /** Where a record (a source record, or a copy on a retry topic) came from, and its key as the parked key. */
    public record Source(String topic, int partition, long offset, Object timestamp, String key) {
    }

    private final TopicProducers producers;

    public RetryTopics(TopicProducers producers) {
        this.producers = producers;
    }

    public static boolean isRetryTopic(String topic) {
        return topic != null && topic.endsWith(SUFFIX);
    }

    /** Where the record came from: the source record itself, or the one its retry copy stands for. */
    public static Source source(Message record) {
        String topic = record.getHeader(ORIGINAL_TOPIC, String.class);
        // a replayed dead letter keeps the retry headers of its last copy, but it is a record of its own topic now
        if (topic != null && isRetryTopic(record.getHeader(KafkaConstants.TOPIC, String.class))) {
            int partition = Integer.parseInt(record.getHeader(ORIGINAL_PARTITION, String.class));
            long offset = Long.parseLong(record.getHeader(ORIGINAL_OFFSET, String.class));
            return new Source(topic, partition, offset, record.getHeader(ORIGINAL_TIMESTAMP), key(record, partition, offset));
        }
        int partition = record.getHeader(KafkaConstants.PARTITION, Integer.class);
        long offset = record.getHeader(KafkaConstants.OFFSET, Long.class);
        return new Source(record.getHeader(KafkaConstants.TOPIC, String.class), partition, offset,
                record.getHeader(KafkaConstants.TIMESTAMP), key(record, partition, offset));
    }

    /** The record key as text; a record without a key is a key of its own, so that it holds back no other record. */
    private static String key(Message record, int partition, long offset) {
        Object key = record.getHeader(KafkaConstants.KEY);
        if (key == null) {
            return "(no key) " + partition + "/" + offset;
        }
        return key instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : key.toString();
    }

    /**
     * Sends the copy of a parked record; the future completes once the broker acknowledged it (or failed to). The copy
     * stays where it is while its record waits and is tried again: its row counts the attempts and keeps the history.
     */
    public CompletableFuture<Exchange> send(Message record, ParkedEvents.Parked parked, RetryPolicy policy) throws Exception {
        Source source = source(record);
        return producers.send(source.topic() + SUFFIX, copy -> {
            for (Map.Entry<String, Object> header : record.getHeaders().entrySet()) {
                if (!header.getKey().startsWith("kafka.") && !header.getKey().startsWith("Camel")
                        && !header.getKey().startsWith("retry.")) {
                    copy.setHeader(header.getKey(), header.getValue());
                }
            }
            copy.setHeader(KafkaConstants.KEY, record.getHeader(KafkaConstants.KEY));
            copy.setHeader(GROUP, parked.group());
            copy.setHeader(POLICY, policy.toString());
            // as parked; the row keeps them current as the record waits and is tried again
            copy.setHeader(ATTEMPTS, String.valueOf(parked.attempts()));
            copy.setHeader(DUE_AT, parked.attempts() == 0 ? "after its key's head" : Instant.ofEpochMilli(parked.dueAt()).toString());
            if (parked.history() != null) {
                copy.setHeader(HISTORY, parked.history());
            }
            copy.setHeader(ORIGINAL_TOPIC, source.topic());
            copy.setHeader(ORIGINAL_PARTITION, String.valueOf(source.partition()));
            copy.setHeader(ORIGINAL_OFFSET, String.valueOf(source.offset()));
            copy.setHeader(ORIGINAL_TIMESTAMP, String.valueOf(source.timestamp()));
            copy.setBody(record.getBody(byte[].class));
        });
    }

    /** The record as its source record looked: topic, partition, offset and timestamp of the original (for the event route and dead letters). */
    public static void asSource(Message record) {
        Source source = source(record);
        record.setHeader(KafkaConstants.TOPIC, source.topic());
        record.setHeader(KafkaConstants.PARTITION, source.partition());
        record.setHeader(KafkaConstants.OFFSET, source.offset());
        record.setHeader(KafkaConstants.TIMESTAMP, source.timestamp());
    }
}
