package org.orderevents.batch;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.support.service.ServiceSupport;
import org.orderevents.batch.BatchTransaction.Outcome;
import org.orderevents.db.DatabaseOutage;
import org.orderevents.db.DatabaseUnavailable;
import org.orderevents.deadletter.DeadLetters;
import org.orderevents.kafka.BatchOffsets;
import org.orderevents.kafka.TopicProducers;
import org.orderevents.metrics.EventMetrics;
import org.orderevents.retry.KeyParking;
import org.orderevents.retry.ParkedEvents;
import org.orderevents.retry.RetryPolicies;
import org.orderevents.retry.RetryPolicy;
import org.orderevents.retry.RetryTopicConsumer;
import org.orderevents.retry.RetryTopics;
import org.orderevents.retry.SourceCommits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.util.List;

/**
 * A service's consumer of a poll's batch (camel-kafka {@code batching=true}, offsets committed here; the route
 * templates of {@code routes/event-batches.camel.yaml}, which call this bean as {@code eventBatch}): every event of the
 * batch goes, in order, through the service's event route on one JDBC connection; the batch's duplicate checks and
 * effects commit in one transaction, then the offsets. Written here because Camel has no stock part for it:
 * {@code transacted} needs Spring or JTA and spans one exchange, and camel-kafka's batch exchange is the whole poll,
 * which the dead letter channel would handle as one.
 * <p>
 * This class splits a failed batch: the events before the failing one commit again as a batch, the failing one goes
 * alone, the events after it go on as a batch. Its parts: {@link BatchTransaction} (the transaction of a batch),
 * {@link FailingRecord} (what becomes of a failing record), {@link KeyParking} (parking and waking keys) and
 * {@link RetryTopicConsumer} (the consumer of the retry topics). The algorithm and its guarantees: docs/guarantees.md
 * and docs/retries.md.
 */
public class EventBatch extends ServiceSupport {

    /** The route that handles one event of a failed batch; it has the dead letter channel. */
    public static final String ALONE = "direct:event-alone";

    private static final Logger LOG = LoggerFactory.getLogger(EventBatch.class);

    private final EventMetrics metrics;
    private final DatabaseOutage outage;
    private final ParkedEvents parked;
    private final RetryPolicies policies;
    private final EventRoutes routes;
    private final BatchTransaction transaction;
    private final FailingRecord failing;
    private final RetryTopicConsumer retryTopicConsumer;

    public EventBatch(CamelContext context, DataSource dataSource, EventMetrics metrics, DeadLetters deadLetters,
            RetryPolicy defaultPolicy, DatabaseOutage outage, TopicProducers producers) {
        this(context, dataSource, metrics, deadLetters, defaultPolicy, outage, new RetryTopics(producers),
                SourceCommits.ofGroupCoordinator());
    }

    /** With the retry topics' writer and the source partitions' commits given (a test's doubles, say). */
    public EventBatch(CamelContext context, DataSource dataSource, EventMetrics metrics, DeadLetters deadLetters,
            RetryPolicy defaultPolicy, DatabaseOutage outage, RetryTopics retryTopics, SourceCommits sourceCommits) {
        this.metrics = metrics;
        this.outage = outage;
        this.parked = new ParkedEvents(dataSource);
        this.policies = new RetryPolicies(defaultPolicy);
        this.routes = new EventRoutes(context);
        KeyParking parking = new KeyParking(dataSource, parked, retryTopics, policies, metrics);
        this.transaction = new BatchTransaction(context, dataSource, routes, parking);
        this.failing = new FailingRecord(transaction, parking, deadLetters, metrics, context.createProducerTemplate());
        this.retryTopicConsumer = new RetryTopicConsumer(dataSource, transaction, parked, retryTopics, policies, deadLetters,
                metrics, outage, sourceCommits);
    }

    public ParkedEvents parked() {
        return parked;
    }

    /** The batches' transaction, for a reprocess's records ({@link BatchTransaction#rerun}). */
    public BatchTransaction transaction() {
        return transaction;
    }

    /** Route step of a batch consumer with the default retry policy (retry.* in application.properties). */
    public void process(Exchange batch, String eventRoute) throws Exception {
        process(batch, eventRoute, "");
    }

    /**
     * Route step of a batch consumer ({@code event-batch}): the body is the poll's records; eventRoute handles one event;
     * retries is the service's {@link RetryPolicy} as its route file writes it (what it leaves out keeps the defaults).
     * Flow: run the records as one batch; on a failure, commit the ones before it, send it alone, go on after it; commit
     * the offsets. A database outage commits the offsets of what is done and takes the rest back.
     */
    @SuppressWarnings("unchecked")
    public void process(Exchange batch, String eventRoute, String retries) throws Exception {
        routes.route(eventRoute);
        RetryPolicy policy = policies.of(retries);
        List<Exchange> records = BatchOffsets.notTakenBack(batch.getMessage().getBody(List.class));
        if (records.isEmpty()) {
            return;
        }
        records.forEach(record -> record.setProperty(RetryPolicy.PROPERTY, policy));
        String service = EventMetrics.service(batch);
        String routeId = batch.getFromRouteId();
        int done = 0;
        try {
            while (done < records.size()) {
                List<Exchange> rest = records.subList(done, records.size());
                Outcome outcome = asBatch(rest, eventRoute, service);
                if (outcome instanceof Outcome.Committed) {
                    done = records.size();
                } else if (outcome instanceof Outcome.EventFailed failed) {
                    // the events before the failing one did not fail: they commit as a batch again; it goes alone
                    int before = failed.index();
                    if (before > 0 && !(asBatch(rest.subList(0, before), eventRoute, service) instanceof Outcome.Committed)) {
                        for (int i = done; i < done + before; i++) {
                            failing.alone(records, i, eventRoute, policy, service, routeId);
                        }
                    }
                    failing.alone(records, done + before, eventRoute, policy, service, routeId);
                    done += before + 1;
                } else {
                    // the batch's own failure (its claims, its commit): every event goes alone
                    for (; done < records.size(); done++) {
                        failing.alone(records, done, eventRoute, policy, service, routeId);
                    }
                }
            }
        } catch (DatabaseUnavailable e) {
            BatchOffsets.commit(records.subList(0, done));
            outage.takeBack(service, records.subList(done, records.size()), e);
            return;
        }
        BatchOffsets.commit(records);
        outage.over(service);
    }

    /**
     * Route step of a service's consumer of {@code <topic>.retry} ({@code event-batch-retry}): the group's parked records
     * whose turn has come, in order, each in a transaction of its own ({@link RetryTopicConsumer}).
     */
    @SuppressWarnings("unchecked")
    public void retry(Exchange batch, String eventRoute) throws Exception {
        routes.route(eventRoute);
        List<Exchange> records = BatchOffsets.notTakenBack(batch.getMessage().getBody(List.class));
        retryTopicConsumer.consume(records, eventRoute, EventMetrics.service(batch), batch.getFromRouteId());
    }

    /** Route step of {@code event-alone}: one event of a failed batch in a transaction of its own. */
    public void alone(Exchange record) throws Exception {
        failing.aloneStep(record);
    }

    /** The records as one batch, its events counted when it commits; an outage is thrown. */
    private Outcome asBatch(List<Exchange> records, String eventRoute, String service) {
        Outcome outcome = transaction.run(records, eventRoute).outageThrown();
        if (outcome instanceof Outcome.Committed committed) {
            committed.events().forEach(event -> metrics.committed(service, event));
        } else if (outcome instanceof Outcome.EventFailed failed) {
            if (records.size() > 1) {
                LOG.info("A batch of {} events failed at event {} ({}); it is handled alone, the events before and after it "
                        + "as batches", records.size(), failed.index() + 1, failed.cause().getMessage());
            }
        } else {
            LOG.info("A batch of {} events failed ({}); its events are handled one at a time", records.size(),
                    outcome.failure().getMessage());
        }
        return outcome;
    }

    @Override
    protected void doStop() {
        routes.stop();
    }
}
