package org.orderevents.deadletter;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.kafka.KafkaConstants;
import org.orderevents.kafka.BatchOffsets;
import org.orderevents.metrics.EventMetrics;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The end of the dead letter channel: writes the original record (key and value bytes unchanged, original headers
 * kept) to {@code <topic>.dlq} with the failure's metadata in {@code dlq.*} headers, and waits for the broker's ack.
 * A failed write throws, so the dead letter channel fails the exchange and the offset does not move past the event.
 * Camel's Kafka producer drops {@code kafka.*} and {@code Camel*} headers, which is why the original topic, partition
 * and offset are copied into headers of our own names here.
 */
public class DeadLetters {

    public static final String SUFFIX = ".dlq";

    private final ProducerTemplate producer;
    private final EventMetrics metrics;

    public DeadLetters(ProducerTemplate producer, EventMetrics metrics) {
        this.producer = producer;
        this.metrics = metrics;
    }

    /** Dead letter channel endpoint: the failed exchange carries the original message (or a batch of them). */
    public void publish(Exchange failed) throws Exception {
        Throwable cause = failed.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (cause == null) {
            cause = failed.getException();
        }
        int attempts = EventMetrics.attempts(failed);
        Object body = failed.getMessage().getBody();
        if (body instanceof List<?> batch) {
            for (Object record : batch) {
                if (record instanceof Exchange exchange) {
                    send(exchange.getMessage(), cause, attempts, EventMetrics.service(failed), failed.getFromRouteId());
                }
            }
            // a batch consumer commits its own offsets, and a batch that ended here never reached that commit
            BatchOffsets.commit(batch);
        } else {
            send(failed.getMessage(), cause, attempts, EventMetrics.service(failed), failed.getFromRouteId());
        }
    }

    /** Dead-letters one record of a consumed topic; throws when the broker did not take it. */
    public void send(Message record, Throwable cause, int attempts, String group, String routeId) throws Exception {
        String topic = record.getHeader(KafkaConstants.TOPIC, String.class);
        if (topic == null) {
            throw new IllegalStateException("cannot dead-letter a message that did not come from Kafka", cause);
        }
        Exchange result = producer.send("kafka:" + topic + SUFFIX, exchange -> {
            Message letter = exchange.getMessage();
            for (Map.Entry<String, Object> header : record.getHeaders().entrySet()) {
                if (!header.getKey().startsWith("kafka.") && !header.getKey().startsWith("Camel")) {
                    letter.setHeader(header.getKey(), header.getValue());
                }
            }
            letter.setHeader(KafkaConstants.KEY, record.getHeader(KafkaConstants.KEY));
            letter.setHeader("dlq.original.topic", topic);
            letter.setHeader("dlq.original.partition", String.valueOf(record.getHeader(KafkaConstants.PARTITION)));
            letter.setHeader("dlq.original.offset", String.valueOf(record.getHeader(KafkaConstants.OFFSET)));
            letter.setHeader("dlq.original.timestamp", String.valueOf(record.getHeader(KafkaConstants.TIMESTAMP)));
            letter.setHeader("dlq.consumer.group", group);
            letter.setHeader("dlq.route", routeId);
            letter.setHeader("dlq.exception.class", cause == null ? "" : cause.getClass().getName());
            letter.setHeader("dlq.exception.message", cause == null ? "" : String.valueOf(cause.getMessage()));
            letter.setHeader("dlq.exception.stacktrace", stackTrace(cause));
            letter.setHeader("dlq.attempts", String.valueOf(attempts));
            letter.setHeader("dlq.failed.at", Instant.now().toString());
            letter.setBody(record.getBody(byte[].class));
        });
        if (result.getException() != null) {
            throw result.getException();
        }
        metrics.deadLettered(group, topic + SUFFIX);
    }

    private static String stackTrace(Throwable cause) {
        if (cause == null) {
            return "";
        }
        StringWriter out = new StringWriter();
        cause.printStackTrace(new PrintWriter(out));
        String trace = out.toString();
        // a Kafka header is not the place for a megabyte of nested causes
        return trace.length() > 8_000 ? trace.substring(0, 8_000) + "\n\t..." : trace;
    }
}
