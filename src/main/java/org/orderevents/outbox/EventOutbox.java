package org.orderevents.outbox;

import com.fasterxml.jackson.core.type.TypeReference;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.orderevents.db.EventTransaction;
import org.orderevents.event.EventCodec;
import org.orderevents.event.Json;
import org.orderevents.kafka.TopicProducers;
import org.orderevents.metrics.EventMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The transactional outbox of the records the application publishes as the consequence of a decision (inventory
 * results, status changes, the order API's events): {@link #add} writes the record to table {@code event_outbox} in
 * the decision's transaction; {@link #relay} publishes the committed rows in the order they were written and deletes
 * them. A crash between the two publishes a row again, with the same bytes and event_id, which its consumers skip.
 * <p>
 * Written here because Camel has no stock outbox for a plain JDBC database (Debezium's outbox router needs change data
 * capture), and the sql component's consumer publishes and marks one row per exchange, with a broker round-trip each.
 * One relay at a time, across instances, holds the lock row of {@code event_outbox_relay} while it publishes.
 */
public class EventOutbox {

    /** Rows a relay publishes per transaction. */
    static final int RELAY_ROWS = 1000;

    private static final Logger LOG = LoggerFactory.getLogger(EventOutbox.class);
    private static final String INSERT = "INSERT INTO event_outbox (topic, record_key, event_id, event_type, payload, "
            + "trace_headers) VALUES (?, ?, ?, ?, ?, ?)";
    /** The W3C trace context headers a tracer puts on the record (camel-opentelemetry2), kept for the relay. */
    private static final List<String> TRACE_HEADERS = List.of("traceparent", "tracestate");

    private final DataSource dataSource;
    private final TopicProducers producers;
    private final EventMetrics metrics;
    private volatile boolean failing;

    public EventOutbox(DataSource dataSource, TopicProducers producers, EventMetrics metrics) {
        this.dataSource = dataSource;
        this.producers = producers;
        this.metrics = metrics;
    }

    /**
     * Route endpoint ({@code to: bean:eventOutbox?method=add(*, '<topic>')}, after {@code eventCodec.toRecord}): the
     * record (key, event id and type, value, trace context) goes into the outbox in the exchange's transaction, written
     * with the transaction's other rows just before it commits. A {@code to:} step, so that a tracer has put the
     * context of this step on the message, as it does for a record sent to Kafka.
     */
    public void add(Exchange exchange, String topic) {
        Message record = exchange.getMessage();
        Map<String, String> trace = new LinkedHashMap<>();
        for (String header : TRACE_HEADERS) {
            String value = record.getHeader(header, String.class);
            if (value != null) {
                trace.put(header, value);
            }
        }
        EventTransaction.requiredScope(exchange).rows(INSERT).add(topic, record.getHeader(KafkaConstants.KEY, String.class),
                record.getHeader(EventCodec.EVENT_ID, String.class), record.getHeader(EventCodec.EVENT_TYPE, String.class),
                new String(record.getBody(byte[].class), StandardCharsets.UTF_8), trace.isEmpty() ? null : Json.write(trace));
    }

    /**
     * Route step of the relay: publishes every committed row, {@link #RELAY_ROWS} per transaction. A failure (the broker
     * or the database away) leaves the rows for the next run and is logged once, not per run.
     */
    public void relay() {
        try {
            int published;
            do {
                published = relayOnce();
            } while (published == RELAY_ROWS);
            if (failing) {
                failing = false;
                LOG.info("The event outbox is published again");
            }
        } catch (Exception e) {
            // the rows stay; the next run (the relay's timer, the next commit) publishes them
            if (!failing) {
                failing = true;
                LOG.warn("The event outbox cannot be published now; its rows wait for the next run", e);
            } else {
                LOG.debug("The event outbox cannot be published now: {}", e.getMessage());
            }
        }
    }

    private int relayOnce() throws Exception {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                lock(connection);
                List<Long> ids = new ArrayList<>();
                List<CompletableFuture<Exchange>> sent = new ArrayList<>();
                try (PreparedStatement select = connection.prepareStatement("SELECT id, topic, record_key, event_id, event_type, "
                        + "payload, trace_headers FROM event_outbox ORDER BY id LIMIT " + RELAY_ROWS);
                     ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        ids.add(rows.getLong(1));
                        String key = rows.getString(3);
                        String eventId = rows.getString(4);
                        String eventType = rows.getString(5);
                        byte[] value = rows.getString(6).getBytes(StandardCharsets.UTF_8);
                        Map<String, String> trace = rows.getString(7) == null ? Map.of()
                                : Json.MAPPER.readValue(rows.getString(7), new TypeReference<Map<String, String>>() { });
                        sent.add(producers.send(rows.getString(2), record -> {
                            trace.forEach(record::setHeader);
                            record.setHeader(KafkaConstants.KEY, key);
                            record.setHeader(EventCodec.EVENT_ID, eventId);
                            record.setHeader(EventCodec.EVENT_TYPE, eventType);
                            record.setBody(value);
                        }));
                    }
                }
                for (CompletableFuture<Exchange> record : sent) {
                    TopicProducers.acknowledged(record);
                }
                try (PreparedStatement delete = connection.prepareStatement("DELETE FROM event_outbox WHERE id = ?")) {
                    for (long id : ids) {
                        delete.setLong(1, id);
                        delete.addBatch();
                    }
                    delete.executeBatch();
                }
                connection.commit();
                metrics.published(ids.size());
                return ids.size();
            } catch (Exception e) {
                rollback(connection);
                throw e;
            }
        }
    }

    /** One relay at a time: another instance's relay waits here until this one's transaction ends. */
    private static void lock(Connection connection) throws SQLException {
        try (PreparedStatement lock = connection.prepareStatement("SELECT id FROM event_outbox_relay WHERE id = 1 FOR UPDATE");
             ResultSet rows = lock.executeQuery()) {
            if (!rows.next()) {
                throw new IllegalStateException("table event_outbox_relay has no row 1: the schema was not set up");
            }
        }
    }

    /** Records not published yet, for the gauge. */
    public long pending() throws SQLException {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement count = connection.prepareStatement("SELECT COUNT(*) FROM event_outbox");
             ResultSet rows = count.executeQuery()) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static void rollback(Connection connection) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            LOG.debug("Rollback of the outbox relay failed: {}", e.getMessage());
        }
    }
}
