package org.orderevents.reprocess;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.orderevents.Service;
import org.orderevents.event.Fields;
import org.orderevents.event.InvalidFieldException;
import org.orderevents.event.Json;
import org.orderevents.event.Schemas;
import org.orderevents.kafka.KafkaClients;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * POST /admin/reprocess and GET /admin/reprocess: asks for a reprocess of one service from a point in time, and shows
 * the runs. The request is checked here (the service's effects, the dates) and recorded as a run from each partition's
 * first offset at or after that time to its end offset now; an instance of the service runs it ({@link ReprocessWorker})
 * while the group goes on.
 */
public class ReprocessRequests {

    private static final Logger LOG = LoggerFactory.getLogger(ReprocessRequests.class);
    private static final Duration BROKER_TIMEOUT = Duration.ofSeconds(10);

    private final CamelContext context;
    private final ReprocessRuns runs;
    private final Duration idRetention;

    public ReprocessRequests(CamelContext context, ReprocessRuns runs, Duration idRetention) {
        this.context = context;
        this.runs = runs;
        this.idRetention = idRetention;
    }

    /** POST /admin/reprocess, body {@code {"service", "from"}}: 202 with the run, or 400 / 409 naming why not. */
    public void request(Exchange exchange) throws Exception {
        JsonNode body = Fields.requestBody(exchange.getMessage().getBody(String.class));
        Schemas.validate(Schemas.REPROCESS, body);
        String name = Fields.text(body, "service", "service");
        Service service = Service.byId(name).orElseThrow(() -> new InvalidFieldException("service",
                "is not a service: one of " + String.join(", ", Service.ids())));
        Reprocess reprocess = service.reprocess();
        if (!reprocess.supported()) {
            throw new ReprocessRefusedException(name + " is not reprocessed: " + reprocess.refusal());
        }
        Instant from = Instant.parse(Fields.instant(body, "from", "from"));
        Instant now = Instant.now();
        if (from.isAfter(now)) {
            throw new InvalidFieldException("from", "is in the future (" + from + ", now " + now + ")");
        }
        if (Duration.between(from, now).compareTo(idRetention) > 0) {
            throw new ReprocessRefusedException("from " + from + " is older than the processed-id retention "
                    + "(processed-events.retention, " + idRetention.toDays() + " days: ids are kept from " + now.minus(idRetention)
                    + "); the events before that are no longer known to the groups");
        }
        Optional<Instant> covered = runs.coveredSince(name);
        if (covered.isPresent() && from.isBefore(covered.get())) {
            throw new ReprocessRefusedException("from " + from + " is older than " + covered.get() + ", since when " + name
                    + " keeps what each event added (it counted earlier events in a version that did not)");
        }
        Map<Integer, long[]> spans = spans(reprocess.topic(), from);
        ReprocessRuns.Run run = runs.create(name, reprocess.topic(), from, spans);
        LOG.info("Reprocess {} of {} from {}: {} events of {} ({})", run.runId(), name, from, run.events(), reprocess.topic(), spans.keySet());
        answer(exchange.getMessage(), 202, Json.write(run.view()));
    }

    /** GET /admin/reprocess: the newest runs, newest first. */
    public void status(Exchange exchange) throws Exception {
        answer(exchange.getMessage(), 200, Json.write(runs.recent(20).stream().map(ReprocessRuns.Run::view).toList()));
    }

    /**
     * Each partition's span: from its first offset whose record is at or after {@code from}, to its end offset now, so
     * that the span holds every record the old code may have handled, committed by the group or not. Refused when the topic no longer holds every record since then: a partition whose oldest records were
     * deleted, and whose oldest one left is younger than {@code from}.
     */
    private Map<Integer, long[]> spans(String topic, Instant from) {
        Map<Integer, long[]> spans = new TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.consumer(context, BROKER_TIMEOUT)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, BROKER_TIMEOUT).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<TopicPartition, Long> first = consumer.beginningOffsets(partitions, BROKER_TIMEOUT);
            Map<TopicPartition, Long> zero = new HashMap<>();
            Map<TopicPartition, Long> since = new HashMap<>();
            partitions.forEach(p -> {
                zero.put(p, 0L);
                since.put(p, from.toEpochMilli());
            });
            Map<TopicPartition, OffsetAndTimestamp> oldest = consumer.offsetsForTimes(zero, BROKER_TIMEOUT);
            Map<TopicPartition, OffsetAndTimestamp> starts = consumer.offsetsForTimes(since, BROKER_TIMEOUT);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, BROKER_TIMEOUT);
            for (TopicPartition partition : partitions) {
                OffsetAndTimestamp held = oldest.get(partition);
                if (first.get(partition) > 0 && held != null && held.timestamp() > from.toEpochMilli()) {
                    throw new ReprocessRefusedException("from " + from + " is older than what " + topic + " still holds: partition "
                            + partition.partition() + " starts at offset " + held.offset() + ", written "
                            + Instant.ofEpochMilli(held.timestamp()) + " (the records before it were deleted by the topic's retention)");
                }
                long end = ends.get(partition);
                OffsetAndTimestamp start = starts.get(partition);
                spans.put(partition.partition(), new long[] {Math.min(end, start == null ? end : start.offset()), end});
            }
        }
        return spans;
    }

    private static void answer(Message message, int status, String json) {
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setBody(json);
    }
}
