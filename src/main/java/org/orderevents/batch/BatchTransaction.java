package org.orderevents.batch;

import org.apache.camel.AsyncProducer;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.spi.ReactiveExecutor;
import org.orderevents.db.DatabaseUnavailable;
import org.orderevents.db.EventTransaction;
import org.orderevents.db.OutageClassifier;
import org.orderevents.db.ProcessedEvents;
import org.orderevents.db.TransactionScope;
import org.orderevents.event.EventCodec;
import org.orderevents.metrics.EventMetrics;
import org.orderevents.retry.KeyParking;
import org.orderevents.retry.RetryTopics;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The transaction of a batch: records, in order, through the service's event route on one JDBC connection, committed
 * once. Flow: open the transaction; look up the batch's duplicates ({@link ProcessedEvents#beforeBatch}) and the
 * group's parked keys; each record either parks behind its key or runs through the event route, Camel's reactive
 * executor pumped on this thread; await the broker's acknowledgements of what the events published; wake the keys that
 * made progress; commit. The result says what happened: {@link Outcome}.
 */
public final class BatchTransaction {

    /** What became of the records' transaction. */
    public sealed interface Outcome {

        /** Committed: the events as they ran (an event parked behind its key carries {@link EventMetrics#PARKED}). */
        record Committed(List<Exchange> events) implements Outcome {
        }

        /** Rolled back: the event at {@code index} failed, with its own failure. */
        record EventFailed(int index, Exception cause) implements Outcome {
        }

        /** Rolled back: a failure that is not one event's (the connection, the held writes, the commit, the copies). */
        record BatchFailed(Exception cause) implements Outcome {
        }

        /** The failure, or null when committed. */
        default Exception failure() {
            if (this instanceof EventFailed failed) {
                return failed.cause();
            }
            return this instanceof BatchFailed failed ? failed.cause() : null;
        }

        /** This outcome, unless it failed for a database outage, which is thrown ({@link OutageClassifier}). */
        default Outcome outageThrown() {
            OutageClassifier.throwIfOutage(failure());
            return this;
        }
    }

    /** Work in the transaction after the events, before the commit. */
    public interface Extra {
        void run(TransactionScope scope) throws Exception;
    }

    private final CamelContext context;
    private final DataSource dataSource;
    private final EventRoutes routes;
    private final KeyParking parking;

    BatchTransaction(CamelContext context, DataSource dataSource, EventRoutes routes, KeyParking parking) {
        this.context = context;
        this.dataSource = dataSource;
        this.routes = routes;
        this.parking = parking;
    }

    /** Records of a poll (one, or many as a batch with its duplicates looked up first), each parked behind its key if held. */
    public Outcome run(List<Exchange> records, String eventRoute) {
        return inTransaction(records, eventRoute, EventMetrics.service(records.get(0)), false, null, null);
    }

    /** A parked record's copy, its key's head: tried, never parked behind itself; the extra work commits with it. */
    public Outcome runHead(Exchange copy, String eventRoute, Extra extra) {
        return inTransaction(List.of(copy), eventRoute, EventMetrics.service(copy), true, null, extra);
    }

    /**
     * A reprocess's records, read again from the topic for the group: first the work that takes their effects out
     * (before), then each through the event route, none parked behind its key (the group's parked records are its
     * own), then the extra work; one commit.
     */
    public Outcome rerun(List<Exchange> records, String eventRoute, String group, Extra before, Extra extra) {
        return inTransaction(records, eventRoute, group, true, before, extra);
    }

    private Outcome inTransaction(List<Exchange> records, String eventRoute, String group, boolean head, Extra before, Extra extra) {
        Connection connection;
        try {
            connection = dataSource.getConnection();
        } catch (SQLException e) {
            return new Outcome.BatchFailed(new DatabaseUnavailable(e));
        }
        try (connection) {
            connection.setAutoCommit(false);
            TransactionScope scope = new TransactionScope(connection, records.size() > 1);
            Outcome outcome;
            try {
                if (before != null) {
                    before.run(scope);
                }
                outcome = events(records, eventRoute, group, head, scope);
                if (outcome instanceof Outcome.Committed) {
                    if (extra != null) {
                        extra.run(scope);
                    }
                    EventTransaction.commit(scope);
                    return outcome;
                }
            } catch (Exception e) {
                outcome = new Outcome.BatchFailed(e);
            }
            EventTransaction.rollback(connection);
            return outcome;
        } catch (Exception e) {
            return new Outcome.BatchFailed(e);
        }
    }

    /**
     * Runs a copy of each record through the event route, in order, on the transaction's connection (the records stay
     * as they were polled, for a try alone and for the dead letter channel); stops at the first event that fails.
     * Each event's database steps run on this thread, one event after the other. A publish at the end of an event route
     * (camel-kafka's producer is asynchronous) does not hold up the next event: the broker's acknowledgements are
     * awaited together, before the commit.
     */
    private Outcome events(List<Exchange> records, String eventRoute, String group, boolean head, TransactionScope scope)
            throws Exception {
        AsyncProducer route = routes.route(eventRoute);
        KeyParking.Gate gate = head ? parking.open(group) : parking.gate(scope.connection(), group);
        ProcessedEvents claims = scope.batch() ? routes.repository(group) : null;
        if (claims != null) {
            claims.beforeBatch(scope, records.stream().map(r -> EventCodec.eventId(r.getMessage().getBody(byte[].class))).toList());
        }
        ReactiveExecutor reactive = context.getCamelContextExtension().getReactiveExecutor();
        List<Exchange> events = new ArrayList<>(records.size());
        List<CompletableFuture<Exchange>> completions = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            Exchange record = records.get(i);
            Exchange event = route.getEndpoint().createExchange();
            event.getIn().copyFrom(record.getMessage());
            Optional<CompletableFuture<Exchange>> parked = gate.parkBehind(scope, record);
            if (parked.isPresent()) {
                event.setProperty(EventMetrics.PARKED, RetryTopics.source(record.getMessage()).topic());
                events.add(event);
                completions.add(parked.get());
                continue;
            }
            EventTransaction.bind(event, scope);
            CompletableFuture<Exchange> completed = new CompletableFuture<>();
            route.process(event, doneSync -> completed.complete(event));
            // this thread is already inside Camel's routing (the batch route), so the event's completion was queued
            // for it rather than run: run it now, until the event is done or waits for the broker
            while (!completed.isDone() && reactive.executeFromQueue()) {
                // next task of this thread's queue
            }
            if (completed.isDone() && event.getException() != null) {
                return new Outcome.EventFailed(i, event.getException());
            }
            events.add(event);
            completions.add(completed);
        }
        // bounded by the producer's delivery.timeout.ms: an unacknowledged publish ends in a failure, not a wait
        for (int i = 0; i < completions.size(); i++) {
            Exchange done = awaited(completions.get(i), reactive);
            if (done.getException() != null) {
                return new Outcome.EventFailed(i, done.getException());
            }
        }
        gate.wake(scope.connection());
        return new Outcome.Committed(events);
    }

    private static Exchange awaited(CompletableFuture<Exchange> completed, ReactiveExecutor reactive) throws Exception {
        while (!completed.isDone()) {
            if (!reactive.executeFromQueue()) {
                try {
                    completed.get(5, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    // look at this thread's queue again
                }
            }
        }
        return completed.get();
    }
}
