package org.orderevents.db;

import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.orderevents.kafka.BatchOffsets;
import org.orderevents.metrics.EventMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;

/**
 * A service's consumer of a poll's batch (camel-kafka {@code batching=true}, offsets committed here). Every event of
 * the batch goes, in order, through the service's event route (a {@code direct:} route of plain steps: parse, the
 * idempotent consumer, the effect) on one JDBC connection: the batch's duplicate checks and effects commit in one
 * transaction, then the offsets of every partition of the batch. One commit per poll instead of one per event is what
 * makes the services fast (measured in the benchmark, see the README).
 * <p>
 * When any event of the batch fails, the transaction rolls back and the events of the batch go again, in order, one
 * at a time through the {@code event-alone} route ({@link #alone}): each in a transaction of its own, with the dead
 * letter channel's retries and dead-lettering, exactly as a per-event consumer would. So a bad event is isolated and
 * holds back nothing else. A record the dead letter channel could not write either fails the batch: the offsets of the
 * records before it are committed, and the consumer polls again from it.
 * <p>
 * An event route that publishes a record (an inventory result, a status change) publishes it before the transaction
 * commits, as in {@link EventTransaction}: a repeat after a rollback or a crash has the same event_id, and its
 * consumer's idempotent repository skips it.
 */
public class EventBatch {

    /** The route that handles one event of a failed batch; it has the dead letter channel. */
    public static final String ALONE = "direct:event-alone";

    private static final Logger LOG = LoggerFactory.getLogger(EventBatch.class);
    private static final String EVENT_ROUTE = "orderEvents.eventRoute";

    private final DataSource dataSource;
    private final ProducerTemplate producer;
    private final EventMetrics metrics;

    public EventBatch(DataSource dataSource, ProducerTemplate producer, EventMetrics metrics) {
        this.dataSource = dataSource;
        this.producer = producer;
        this.metrics = metrics;
    }

    /** Route step of a batch consumer: the body is the poll's records; eventRoute handles one event. */
    @SuppressWarnings("unchecked")
    public void process(Exchange batch, String eventRoute) throws Exception {
        List<Exchange> records = batch.getMessage().getBody(List.class);
        String service = EventMetrics.service(batch);
        List<Exchange> events = inOneTransaction(records, eventRoute);
        if (events != null) {
            events.forEach(event -> metrics.committed(service, event));
            BatchOffsets.commit(records);
            return;
        }
        for (int i = 0; i < records.size(); i++) {
            Exchange record = records.get(i);
            record.setProperty(EVENT_ROUTE, eventRoute);
            producer.send(ALONE, record);
            if (record.isFailed()) {
                // neither processed nor dead-lettered: polled again from here (camel-kafka's breakOnFirstError)
                BatchOffsets.commit(records.subList(0, i));
                throw record.getException();
            }
        }
        BatchOffsets.commit(records);
    }

    /** Route step of {@code event-alone}: one event of a failed batch in a transaction of its own. */
    public void alone(Exchange record) throws Exception {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                Exchange event = run(record, record.getProperty(EVENT_ROUTE, String.class), connection);
                connection.commit();
                metrics.committed(EventMetrics.service(record), event);
            } catch (Exception e) {
                EventTransaction.rollback(connection);
                throw e;
            }
        }
    }

    /** The events as they left the event route, once committed; null when the batch failed and was rolled back. */
    private List<Exchange> inOneTransaction(List<Exchange> records, String eventRoute) {
        List<Exchange> events = new ArrayList<>(records.size());
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                for (Exchange record : records) {
                    events.add(run(record, eventRoute, connection));
                }
                connection.commit();
                return events;
            } catch (Exception e) {
                EventTransaction.rollback(connection);
                throw e;
            }
        } catch (Exception e) {
            LOG.info("A batch of {} events failed at event {} ({}); its events are handled one at a time",
                    records.size(), events.size() + 1, e.getMessage());
            return null;
        }
    }

    /**
     * Sends a copy of the record through the event route on the connection: the record itself stays as it was polled,
     * for {@link #alone} and for the dead letter channel.
     */
    private Exchange run(Exchange record, String eventRoute, Connection connection) throws Exception {
        Exchange event = producer.send(eventRoute, exchange -> {
            exchange.getIn().copyFrom(record.getMessage());
            EventTransaction.bind(exchange, connection);
        });
        if (event.getException() != null) {
            throw event.getException();
        }
        return event;
    }
}
