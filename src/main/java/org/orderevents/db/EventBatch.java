package org.orderevents.db;

import org.apache.camel.AsyncProducer;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.spi.ReactiveExecutor;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.orderevents.kafka.BatchOffsets;
import org.orderevents.metrics.EventMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A service's consumer of a poll's batch (camel-kafka {@code batching=true}, offsets committed here). Every event of
 * the batch goes, in order, through the service's event route (a {@code direct:} route of plain steps: parse, the
 * idempotent consumer, the effect) on one JDBC connection: the batch's duplicate checks and effects commit in one
 * transaction, then the offsets of every partition of the batch. One commit per poll instead of one per event made
 * email-, inventory- and order-service about twice as fast on H2 (README, "Benchmark"). Written here because Camel
 * has no stock part for it: {@code transacted} needs Spring or JTA and spans one exchange, and an exchange of camel-kafka's
 * batch consumer is the whole poll, which the dead letter channel would retry and dead-letter as one.
 * <p>
 * The batch's transaction holds its row locks until it commits: two instances whose batches reserve the same products
 * in a different order can deadlock; the database then aborts one transaction, and that batch goes event by event.
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
        Exchange event = committed(List.of(record), record.getProperty(EVENT_ROUTE, String.class)).get(0);
        metrics.committed(EventMetrics.service(record), event);
    }

    /** The events as they left the event route, once committed; null when the batch failed and was rolled back. */
    private List<Exchange> inOneTransaction(List<Exchange> records, String eventRoute) {
        try {
            return committed(records, eventRoute);
        } catch (Exception e) {
            LOG.info("A batch of {} events failed ({}); its events are handled one at a time", records.size(), e.getMessage());
            return null;
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
     * as they were polled, for {@link #alone} and for the dead letter channel); throws the first failure.
     * <p>
     * Each event's database steps run on this thread, one event after the other. A publish at the end of an event
     * route (camel-kafka's producer is asynchronous) does not hold up the next event: the broker's acknowledgements
     * are awaited together, before the caller commits. Waiting for each one in turn, as a {@code ProducerTemplate}
     * send does, made inventory-service half as fast (471 against 876 events/s, H2, 10,000 events, one run each).
     */
    private List<Exchange> run(List<Exchange> records, String eventRoute, TransactionScope scope) throws Exception {
        AsyncProducer route = route(eventRoute);
        ReactiveExecutor reactive = context.getCamelContextExtension().getReactiveExecutor();
        List<Exchange> events = new ArrayList<>(records.size());
        List<CompletableFuture<Exchange>> completions = new ArrayList<>(records.size());
        for (Exchange record : records) {
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
                failed(event);
            }
            events.add(event);
            completions.add(completed);
        }
        // bounded by the producer's delivery.timeout.ms: an unacknowledged publish ends in a failure, not a wait
        for (CompletableFuture<Exchange> completed : completions) {
            while (!completed.isDone()) {
                if (!reactive.executeFromQueue()) {
                    try {
                        completed.get(5, TimeUnit.MILLISECONDS);
                    } catch (TimeoutException e) {
                        // look at this thread's queue again
                    }
                }
            }
            failed(completed.get());
        }
        return events;
    }

    private static void failed(Exchange event) throws Exception {
        if (event.getException() != null) {
            throw event.getException();
        }
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
