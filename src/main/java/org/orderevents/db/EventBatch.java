package org.orderevents.db;

import org.apache.camel.AsyncProducer;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.spi.ReactiveExecutor;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.orderevents.event.EventCodec;
import org.orderevents.kafka.BatchOffsets;
import org.orderevents.metrics.EventMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A service's consumer of a poll's batch (camel-kafka {@code batching=true}, offsets committed here). Every event of
 * the batch goes, in order, through the service's event route (a {@code direct:} route of plain steps: parse, the
 * idempotent consumer, the effect) on one JDBC connection: the batch's duplicate checks and effects commit in one
 * transaction, then the offsets of every partition of the batch. Written here because Camel has no stock part for it:
 * {@code transacted} needs Spring or JTA and spans one exchange, and an exchange of camel-kafka's batch consumer is
 * the whole poll, which the dead letter channel would retry and dead-letter as one.
 * <p>
 * Before the events run, the batch's event ids are looked up in one query ({@link ProcessedEvents#beforeBatch}), so a
 * redelivered event is a duplicate without a statement of its own; the claims, and the rows the effects write for
 * many events (outbox rows, new orders, stock), are held in the {@link TransactionScope} and written together just
 * before the commit. So a batch costs a handful of statements, not a few per event (README, "Benchmark").
 * <p>
 * The batch's transaction holds its row locks until it commits: two instances whose batches reserve the same products
 * in a different order can deadlock; the database then aborts one transaction, and that batch goes event by event.
 * <p>
 * When an event of the batch fails, the transaction rolls back; the events before it commit again as a batch, the
 * failing one goes alone through the {@code event-alone} route ({@link #alone}): a transaction of its own, with the dead
 * letter channel's retries and dead-lettering, exactly as a per-event consumer would; the events after it go on as a
 * batch. So a bad event is isolated and holds back nothing else. A failure that is not one event's (the held writes,
 * the commit) sends every event of the batch alone. A record the dead letter channel could not write fails the poll:
 * the offsets of the records before it are committed, and the consumer polls again from it.
 * <p>
 * An event route that publishes a record (an inventory result, a status change) publishes it before the transaction
 * commits, as in {@link EventTransaction}: a repeat after a rollback or a crash has the same event_id, and its
 * consumer's idempotent repository skips it.
 */
public class EventBatch extends ServiceSupport {

    /** The route that handles one event of a failed batch; it has the dead letter channel. */
    public static final String ALONE = "direct:event-alone";

    private static final Logger LOG = LoggerFactory.getLogger(EventBatch.class);
    private static final String EVENT_ROUTE = "orderEvents.eventRoute";

    private final CamelContext context;
    private final DataSource dataSource;
    private final ProducerTemplate producer;
    private final EventMetrics metrics;
    private final Map<String, AsyncProducer> routes = new ConcurrentHashMap<>();
    private final Map<String, Optional<ProcessedEvents>> repositories = new ConcurrentHashMap<>();

    public EventBatch(CamelContext context, DataSource dataSource, EventMetrics metrics) {
        this.context = context;
        this.dataSource = dataSource;
        this.producer = context.createProducerTemplate();
        this.metrics = metrics;
    }

    /** Route step of a batch consumer: the body is the poll's records; eventRoute handles one event. */
    @SuppressWarnings("unchecked")
    public void process(Exchange batch, String eventRoute) throws Exception {
        // a route file naming an event route that does not exist fails each poll here, before anything is processed:
        // nothing is dead-lettered or committed, and the error names the route
        route(eventRoute);
        List<Exchange> records = batch.getMessage().getBody(List.class);
        String service = EventMetrics.service(batch);
        int done = 0;
        while (done < records.size()) {
            List<Exchange> rest = records.subList(done, records.size());
            int failed = inOneTransaction(rest, eventRoute, service);
            if (failed == COMMITTED) {
                break;
            }
            if (failed == UNKNOWN) {
                alone(records, done, records.size(), eventRoute);
                break;
            }
            // the events before the failing one did not fail: they commit as a batch again; it goes alone
            if (failed > 0 && inOneTransaction(rest.subList(0, failed), eventRoute, service) != COMMITTED) {
                alone(records, done, done + failed, eventRoute);
            }
            alone(records, done + failed, done + failed + 1, eventRoute);
            done += failed + 1;
        }
        BatchOffsets.commit(records);
    }

    /**
     * Records from..to of the poll, each through the {@code event-alone} route: its own transaction, the dead letter
     * channel's retries and dead-lettering. A record that still fails (its dead letter could not be written) commits
     * the offsets before it and fails the poll: camel-kafka (breakOnFirstError) polls again from it.
     */
    private void alone(List<Exchange> records, int from, int to, String eventRoute) throws Exception {
        for (int i = from; i < to; i++) {
            Exchange record = records.get(i);
            record.setProperty(EVENT_ROUTE, eventRoute);
            producer.send(ALONE, record);
            if (record.isFailed()) {
                BatchOffsets.commit(records.subList(0, i));
                throw record.getException();
            }
        }
    }

    /** Route step of {@code event-alone}: one event of a failed batch in a transaction of its own. */
    public void alone(Exchange record) throws Exception {
        try {
            Exchange event = committed(List.of(record), record.getProperty(EVENT_ROUTE, String.class)).get(0);
            metrics.committed(EventMetrics.service(record), event);
        } catch (EventFailed e) {
            // the event's own failure, for the dead letter channel's onException and dlq.exception.* headers
            throw (Exception) e.getCause();
        }
    }

    /**
     * Runs the records as one batch: {@link #COMMITTED} with the events counted, or, rolled back, the index of the
     * event that failed, or {@link #UNKNOWN} when the failure was the batch's (its claims, its commit).
     */
    private int inOneTransaction(List<Exchange> records, String eventRoute, String service) {
        try {
            committed(records, eventRoute).forEach(event -> metrics.committed(service, event));
            return COMMITTED;
        } catch (EventFailed e) {
            if (records.size() > 1) {
                LOG.info("A batch of {} events failed at event {} ({}); it is handled alone, the events before and after it "
                        + "as batches", records.size(), e.index + 1, e.getCause().getMessage());
            }
            return e.index;
        } catch (Exception e) {
            LOG.info("A batch of {} events failed ({}); its events are handled one at a time", records.size(), e.getMessage());
            return UNKNOWN;
        }
    }

    private static final int COMMITTED = -1;
    private static final int UNKNOWN = -2;

    /** The failure of one event of a batch, and its place in the batch. */
    private static final class EventFailed extends Exception {
        final int index;

        EventFailed(int index, Exception cause) {
            super(cause.getMessage(), cause);
            this.index = index;
        }
    }

    /** Runs the records through the event route in one transaction and commits it; rolls it back and throws on a failure. */
    private List<Exchange> committed(List<Exchange> records, String eventRoute) throws Exception {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                TransactionScope scope = new TransactionScope(connection, records.size() > 1);
                List<Exchange> events = run(records, eventRoute, scope);
                EventTransaction.commit(scope);
                return events;
            } catch (Exception e) {
                EventTransaction.rollback(connection);
                throw e;
            }
        }
    }

    /**
     * Runs a copy of each record through the event route, in order, on the connection (the records themselves stay
     * as they were polled, for {@link #alone} and for the dead letter channel); throws the first event's failure as
     * {@link EventFailed}, which tells its place in the batch.
     * <p>
     * Each event's database steps run on this thread, one event after the other. A publish at the end of an event
     * route (camel-kafka's producer is asynchronous) does not hold up the next event: the broker's acknowledgements
     * are awaited together, before the caller commits. Waiting for each one in turn, as a {@code ProducerTemplate}
     * send does, made inventory-service half as fast (471 against 876 events/s, H2, 10,000 events, one run each).
     */
    private List<Exchange> run(List<Exchange> records, String eventRoute, TransactionScope scope) throws Exception {
        AsyncProducer route = route(eventRoute);
        ProcessedEvents claims = scope.batch() ? repository(records.get(0)) : null;
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
            EventTransaction.bind(event, scope);
            CompletableFuture<Exchange> completed = new CompletableFuture<>();
            route.process(event, doneSync -> completed.complete(event));
            // this thread is already inside Camel's routing (the batch route), so the event's completion was queued
            // for it rather than run: run it now
            while (!completed.isDone() && reactive.executeFromQueue()) {
                // until the event is done or waits for the broker
            }
            if (completed.isDone()) {
                failed(event, i);
            }
            events.add(event);
            completions.add(completed);
        }
        // bounded by the producer's delivery.timeout.ms: an unacknowledged publish ends in a failure, not a wait
        for (int i = 0; i < completions.size(); i++) {
            CompletableFuture<Exchange> completed = completions.get(i);
            while (!completed.isDone()) {
                if (!reactive.executeFromQueue()) {
                    try {
                        completed.get(5, TimeUnit.MILLISECONDS);
                    } catch (TimeoutException e) {
                        // look at this thread's queue again
                    }
                }
            }
            failed(completed.get(), i);
        }
        return events;
    }

    private static void failed(Exchange event, int index) throws EventFailed {
        if (event.getException() != null) {
            throw new EventFailed(index, event.getException());
        }
    }

    /** The idempotent repository of the record's consumer group (processor name = group id), if there is one. */
    private ProcessedEvents repository(Exchange record) {
        String group = EventMetrics.service(record);
        return repositories.computeIfAbsent(group, g -> context.getRegistry().findByType(ProcessedEvents.class).stream()
                .filter(repository -> repository.processorName().equals(g)).findFirst()).orElse(null);
    }

    private AsyncProducer route(String uri) throws Exception {
        AsyncProducer route = routes.get(uri);
        if (route == null) {
            Endpoint endpoint = context.getEndpoint(uri);
            if (context.getRoutes().stream().noneMatch(r -> r.getEndpoint() == endpoint)) {
                throw new IllegalStateException("no route consumes " + uri + ", the event route named in the batch "
                        + "route's eventBatch step: check the route files");
            }
            route = endpoint.createAsyncProducer();
            ServiceHelper.startService(route);
            AsyncProducer raced = routes.putIfAbsent(uri, route);
            if (raced != null) {
                ServiceHelper.stopService(route);
                route = raced;
            }
        }
        return route;
    }

    @Override
    protected void doStop() {
        ServiceHelper.stopService(routes.values());
        routes.clear();
    }
}
