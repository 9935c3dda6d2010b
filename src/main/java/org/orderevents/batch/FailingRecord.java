package org.orderevents.batch;

import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.orderevents.batch.BatchTransaction.Outcome;
import org.orderevents.deadletter.DeadLetters;
import org.orderevents.event.InvalidEventException;
import org.orderevents.kafka.BatchOffsets;
import org.orderevents.metrics.EventMetrics;
import org.orderevents.retry.KeyParking;
import org.orderevents.retry.RetryPolicy;

import java.util.List;

/**
 * What becomes of a record whose batch failed: it is tried alone, in a transaction of its own; still failing, it is
 * dead-lettered at once when it is invalid (or its route allows no retries), else parked on its retry topic with its
 * key held back. A route whose policy is {@code mode=blocking} retries it in place instead, through the route
 * {@code event-alone} and its dead letter channel. A database outage is none of these: it is thrown, and the consumer
 * takes the records back.
 */
final class FailingRecord {

    /** The exchange property that carries the event route to the {@code event-alone} route. */
    static final String EVENT_ROUTE = "orderEvents.eventRoute";

    private final BatchTransaction transaction;
    private final KeyParking parking;
    private final DeadLetters deadLetters;
    private final EventMetrics metrics;
    private final ProducerTemplate producer;

    FailingRecord(BatchTransaction transaction, KeyParking parking, DeadLetters deadLetters, EventMetrics metrics,
            ProducerTemplate producer) {
        this.transaction = transaction;
        this.parking = parking;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.producer = producer;
    }

    /** Record i of the poll, after its batch failed: committed alone, dead-lettered, parked, or retried in place. */
    void alone(List<Exchange> records, int i, String eventRoute, RetryPolicy policy, String service, String routeId)
            throws Exception {
        Exchange record = records.get(i);
        if (policy.blocking()) {
            retriedInPlace(records, i, eventRoute);
            return;
        }
        Outcome outcome = transaction.run(List.of(record), eventRoute).outageThrown();
        if (outcome instanceof Outcome.Committed committed) {
            committed.events().forEach(event -> metrics.committed(service, event));
        } else if (outcome instanceof Outcome.EventFailed failed
                && (failed.cause() instanceof InvalidEventException || policy.retries() == 0)) {
            deadLetters.send(record.getMessage(), failed.cause(), 1, service, routeId);
        } else {
            parking.parkFirst(record, policy, outcome.failure(), service);
        }
    }

    /**
     * Record i through the {@code event-alone} route: its own transaction, the dead letter channel's retries in place
     * and dead-lettering. A record that still fails (its dead letter could not be written) commits the offsets before
     * it and fails the poll: camel-kafka (breakOnFirstError) polls again from it.
     */
    private void retriedInPlace(List<Exchange> records, int i, String eventRoute) throws Exception {
        Exchange record = records.get(i);
        record.setProperty(EVENT_ROUTE, eventRoute);
        producer.send(EventBatch.ALONE, record);
        if (record.isFailed()) {
            BatchOffsets.commit(records.subList(0, i));
            throw record.getException();
        }
    }

    /** Route step of {@code event-alone}: the event in a transaction of its own; its own failure is thrown as it is. */
    void aloneStep(Exchange record) throws Exception {
        Outcome outcome = transaction.run(List.of(record), record.getProperty(EVENT_ROUTE, String.class));
        if (outcome instanceof Outcome.Committed committed) {
            metrics.committed(EventMetrics.service(record), committed.events().get(0));
            return;
        }
        // for the dead letter channel's onException and dlq.exception.* headers
        throw outcome.failure();
    }
}
