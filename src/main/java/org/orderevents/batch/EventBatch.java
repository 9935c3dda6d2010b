package org.orderevents.batch;

import org.apache.camel.AsyncProducer;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.DefaultKafkaManualCommit;
import org.apache.camel.spi.ReactiveExecutor;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.orderevents.db.DatabaseOutage;
import org.orderevents.db.DatabaseUnavailable;
import org.orderevents.db.EventTransaction;
import org.orderevents.db.OutageClassifier;
import org.orderevents.db.ProcessedEvents;
import org.orderevents.db.TransactionScope;
import org.orderevents.deadletter.DeadLetters;
import org.orderevents.event.EventCodec;
import org.orderevents.event.InvalidEventException;
import org.orderevents.kafka.BatchOffsets;
import org.orderevents.kafka.TopicProducers;
import org.orderevents.metrics.EventMetrics;
import org.orderevents.retry.ParkedEvents;
import org.orderevents.retry.ParkedEvents.Parked;
import org.orderevents.retry.RetryPolicy;
import org.orderevents.retry.RetryTopics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A service's consumer of a poll's batch (camel-kafka {@code batching=true}, offsets committed here; the route
 * templates of {@code routes/event-batches.camel.yaml}): every event of the batch goes, in order, through the service's
 * event route on one JDBC connection; the batch's duplicate checks and effects commit in one transaction, then the
 * offsets. Written here because Camel has no stock part for it: {@code transacted} needs Spring or JTA and spans one
 * exchange, and camel-kafka's batch exchange is the whole poll, which the dead letter channel would handle as one.
 * <p>
 * A failing event rolls the batch back; the events before it commit again as a batch, it is tried alone, then
 * dead-lettered (invalid), parked on {@code <topic>.retry} with its key held back, or retried in place
 * ({@code mode=blocking}); the events after it go on as a batch. The algorithm and its guarantees: docs/guarantees.md
 * and docs/retries.md.
 */
public class EventBatch extends ServiceSupport {

    /** The route that handles one event of a failed batch; it has the dead letter channel. */
    public static final String ALONE = "direct:event-alone";

    private static final Logger LOG = LoggerFactory.getLogger(EventBatch.class);
    private static final String EVENT_ROUTE = "orderEvents.eventRoute";
    private static final String RETRY_COPY = "orderEvents.retryCopy";

    private final CamelContext context;
    private final DataSource dataSource;
    private final ProducerTemplate producer;
    private final EventMetrics metrics;
    private final DeadLetters deadLetters;
    private final ParkedEvents parked;
    private final RetryTopics retryTopics;
    private final RetryPolicy defaultPolicy;
    private final Map<String, AsyncProducer> routes = new ConcurrentHashMap<>();
    private final Map<String, Optional<ProcessedEvents>> repositories = new ConcurrentHashMap<>();
    private final Map<String, RetryPolicy> policies = new ConcurrentHashMap<>();
    private final DatabaseOutage outage;
    private final Map<String, Long> committedOffsets = new ConcurrentHashMap<>();

    public EventBatch(CamelContext context, DataSource dataSource, EventMetrics metrics, DeadLetters deadLetters,
            RetryPolicy defaultPolicy, DatabaseOutage outage, TopicProducers producers) {
        this.context = context;
        this.dataSource = dataSource;
        this.producer = context.createProducerTemplate();
        this.metrics = metrics;
        this.deadLetters = deadLetters;
        this.parked = new ParkedEvents(dataSource);
        this.retryTopics = new RetryTopics(producers);
        this.defaultPolicy = defaultPolicy;
        this.outage = outage;
    }

    public ParkedEvents parked() {
        return parked;
    }

    /** Route step of a batch consumer with the default retry policy (retry.* in application.properties). */
    public void process(Exchange batch, String eventRoute) throws Exception {
        process(batch, eventRoute, "");
    }

    /**
     * Route step of a batch consumer: the body is the poll's records; eventRoute handles one event; retries is the
     * service's {@link RetryPolicy} as its route file writes it (what it leaves out keeps the defaults).
     */
    @SuppressWarnings("unchecked")
    public void process(Exchange batch, String eventRoute, String retries) throws Exception {
        // a route file naming an event route that does not exist fails each poll here, before anything is processed:
        // nothing is dead-lettered or committed, and the error names the route
        route(eventRoute);
        RetryPolicy policy = policy(retries);
        List<Exchange> records = BatchOffsets.notTakenBack(batch.getMessage().getBody(List.class));
        if (records.isEmpty()) {
            return;
        }
        records.forEach(record -> record.setProperty(RetryPolicy.PROPERTY, policy));
        String service = EventMetrics.service(batch);
        int done = 0;
        try {
            while (done < records.size()) {
                List<Exchange> rest = records.subList(done, records.size());
                int failed = inOneTransaction(rest, eventRoute, service);
                if (failed == COMMITTED) {
                    break;
                }
                if (failed == UNKNOWN) {
                    for (; done < records.size(); done++) {
                        alone(records, done, eventRoute, policy, service, batch.getFromRouteId());
                    }
                    break;
                }
                // the events before the failing one did not fail: they commit as a batch again; it goes alone
                if (failed > 0 && inOneTransaction(rest.subList(0, failed), eventRoute, service) != COMMITTED) {
                    for (int i = done; i < done + failed; i++) {
                        alone(records, i, eventRoute, policy, service, batch.getFromRouteId());
                    }
                }
                alone(records, done + failed, eventRoute, policy, service, batch.getFromRouteId());
                done += failed + 1;
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
     * Route step of a service's consumer of {@code <topic>.retry}: tries the group's parked records whose turn has
     * come, in order, each in a transaction of its own. A record that is not due yet stops its partition there; the
     * consumer polls again from it (after at most {@link #NOT_DUE_WAIT_MS}), so it never stops polling for long.
     */
    @SuppressWarnings("unchecked")
    public void retry(Exchange batch, String eventRoute) throws Exception {
        route(eventRoute);
        List<Exchange> records = BatchOffsets.notTakenBack(batch.getMessage().getBody(List.class));
        String service = EventMetrics.service(batch);
        Map<Object, List<Exchange>> partitions = new LinkedHashMap<>();
        for (Exchange record : records) {
            partitions.computeIfAbsent(record.getMessage().getHeader(KafkaConstants.TOPIC) + "/"
                    + record.getMessage().getHeader(KafkaConstants.PARTITION), p -> new ArrayList<>()).add(record);
        }
        long wait = Long.MAX_VALUE;
        for (List<Exchange> partition : partitions.values()) {
            int handled = 0;
            // copies sent behind their key's head: acknowledged together before the offsets move past the old ones
            List<CompletableFuture<Exchange>> resent = new ArrayList<>();
            try {
                for (; handled < partition.size(); handled++) {
                    Exchange record = partition.get(handled);
                    if (!service.equals(record.getMessage().getHeader(RetryTopics.GROUP, String.class))) {
                        continue;
                    }
                    long dueAt = retryOne(record, eventRoute, service, batch.getFromRouteId(), resent);
                    if (dueAt > 0) {
                        wait = Math.min(wait, dueAt - System.currentTimeMillis());
                        break;
                    }
                }
            } catch (DatabaseUnavailable e) {
                for (CompletableFuture<Exchange> sent : resent) {
                    TopicProducers.acknowledged(sent);
                }
                BatchOffsets.commit(partition.subList(0, handled));
                outage.takeBack(service, records.subList(records.indexOf(partition.get(handled)), records.size()), e);
                return;
            }
            for (CompletableFuture<Exchange> sent : resent) {
                TopicProducers.acknowledged(sent);
            }
            BatchOffsets.commit(partition.subList(0, handled));
            BatchOffsets.rewind(partition.subList(handled, partition.size()));
        }
        outage.over(service);
        if (wait != Long.MAX_VALUE && wait > 0) {
            Thread.sleep(Math.min(wait, NOT_DUE_WAIT_MS));
        }
    }

    /** Longest a retry consumer waits for a parked record's turn before it polls again. */
    static final long NOT_DUE_WAIT_MS = 250;
    /** How long a retry consumer waits for the batch that parked a record to commit. */
    static final long NOT_COMMITTED_WAIT_MS = 50;

    /**
     * One copy from a retry topic: skipped when stale; sent to the back when its key's head is elsewhere (a copy made
     * twice); else tried when due. Returns 0 when the copy is done with, or when it is due, to stay where it is.
     */
    private long retryOne(Exchange record, String eventRoute, String service, String routeId,
            List<CompletableFuture<Exchange>> resent) throws Exception {
        RetryTopics.Source source = RetryTopics.source(record.getMessage());
        Parked row;
        try (Connection connection = connection()) {
            Parked found = parked.find(connection, service, source.topic(), source.partition(), source.offset()).orElse(null);
            if (found == null) {
                // parked by a batch that has not committed yet (its copy is sent before its commit): wait for it
                if (!committedPast(record, source)) {
                    LOG.debug("{}: copy of {}/{}@{} has no row: its batch has not committed yet", service, source.topic(),
                            source.partition(), source.offset());
                    return System.currentTimeMillis() + NOT_COMMITTED_WAIT_MS;
                }
                // that batch committed its rows before its offsets: looked up again, as the row may have committed
                // since the first look; none means done with (processed, dead-lettered, or its batch rolled back)
                found = parked.find(connection, service, source.topic(), source.partition(), source.offset()).orElse(null);
                if (found == null) {
                    LOG.debug("{}: copy of {}/{}@{} has no row: done with", service, source.topic(), source.partition(),
                            source.offset());
                    return 0;
                }
            }
            row = found;
            if (!parked.isHead(connection, row)) {
                // a record of its key waits before it, later on this topic: it goes behind that one, in order
                LOG.debug("{}: {} is not its key's head: sent behind it", service, describe(row));
                resent.add(retryTopics.send(record.getMessage(), row, policyOf(record)));
                return 0;
            }
        } catch (SQLException e) {
            throw outageOr(e);
        }
        long now = System.currentTimeMillis();
        if (!row.due(now)) {
            return row.dueAt();
        }
        LOG.debug("{}: trying {} (attempts {}, woken {})", service, describe(row), row.attempts(), row.woken());
        Exchange event = record.copy();
        RetryTopics.asSource(event.getMessage());
        event.setProperty(RETRY_COPY, true);
        if (row.attempts() > 0 && !row.woken()) {
            metrics.retried(service);
        }
        try {
            Exchange committed = committed(List.of(event), eventRoute, scope -> {
                if (!parked.done(scope.connection(), row)) {
                    throw new IllegalStateException("parked record " + row + " was taken by another consumer");
                }
            }).get(0);
            metrics.committed(service, committed);
            metrics.parkedDone(service, source.topic());
            LOG.debug("{}: {} done", service, describe(row));
            return 0;
        } catch (EventFailed e) {
            return failedAgain(event, row, e.getCause(), policyOf(record), service, routeId);
        } catch (Exception e) {
            return failedAgain(event, row, e, policyOf(record), service, routeId);
        }
    }

    /**
     * Whether the group has committed the source partition past the record: the batch that parked it has committed,
     * so a missing row means the record is done with. Asked of the group coordinator, through the retry consumer
     * itself, only when a row is missing; offsets only grow, so a committed offset seen once is kept.
     */
    private boolean committedPast(Exchange record, RetryTopics.Source source) {
        TopicPartition partition = new TopicPartition(source.topic(), source.partition());
        String key = EventMetrics.service(record) + "/" + partition;
        Long seen = committedOffsets.get(key);
        if (seen == null || seen <= source.offset()) {
            DefaultKafkaManualCommit commit = record.getMessage().getHeader(KafkaConstants.MANUAL_COMMIT, DefaultKafkaManualCommit.class);
            OffsetAndMetadata committed = commit.getConsumer().committed(Set.of(partition), Duration.ofSeconds(10)).get(partition);
            seen = committed == null ? -1 : committed.offset();
            committedOffsets.merge(key, seen, Math::max);
        }
        return seen > source.offset();
    }

    /**
     * A parked record failed again: dead-lettered when it is invalid or has had its retries, else it waits for its next
     * attempt (returned: when it is due). A try because its key was woken does not count as an attempt.
     */
    private long failedAgain(Exchange event, Parked row, Throwable failure, RetryPolicy policy, String service, String routeId)
            throws Exception {
        if (OutageClassifier.isOutage(failure)) {
            throw new DatabaseUnavailable(failure);
        }
        int attempts = row.woken() ? row.attempts() : row.attempts() + 1;
        long now = System.currentTimeMillis();
        String line = "attempt " + (row.attempts() + 1) + (row.woken() ? " (woken)" : "") + " failed at " + Instant.ofEpochMilli(now)
                + ": " + failure.getClass().getName() + ": " + failure.getMessage();
        long[] dueAt = {0};
        inTransaction(scope -> {
            if (failure instanceof InvalidEventException || attempts > policy.retries()) {
                if (parked.done(scope.connection(), row)) {
                    Message letter = event.getMessage();
                    letter.setHeader(RetryTopics.ATTEMPTS, String.valueOf(attempts));
                    letter.setHeader(RetryTopics.HISTORY, row.history() == null ? line : row.history() + "\n" + line);
                    deadLetters.send(letter, failure, attempts, service, routeId);
                    metrics.parkedDone(service, row.topic());
                }
                return;
            }
            long next = row.woken() ? row.dueAt() : now + policy.delayBefore(attempts);
            if (parked.retryLater(scope.connection(), row, attempts, next, line)) {
                dueAt[0] = Math.max(next, now + 1);
                if (!row.woken()) {
                    LOG.warn("{}: retry {} of {} failed for {} ({}: {}); next in {} ms", service, attempts - 1, policy.retries(),
                            describe(row), failure.getClass().getSimpleName(), failure.getMessage(), next - now);
                }
            }
        });
        return dueAt[0];
    }

    /**
     * Record i of the poll, after its batch failed: in a transaction of its own. When it fails again: dead-lettered at
     * once if it is invalid, parked on the retry topic if it may pass (or retried in place, the route's policy being
     * blocking), or, the database being unreachable, taken back with the records after it.
     */
    private void alone(List<Exchange> records, int i, String eventRoute, RetryPolicy policy, String service, String routeId)
            throws Exception {
        Exchange record = records.get(i);
        if (policy.blocking()) {
            blocking(records, i, eventRoute);
            return;
        }
        try {
            committed(List.of(record), eventRoute, null).forEach(event -> metrics.committed(service, event));
            return;
        } catch (EventFailed e) {
            if (OutageClassifier.isOutage(e.getCause())) {
                throw new DatabaseUnavailable(e.getCause());
            }
            if (e.getCause() instanceof InvalidEventException || policy.retries() == 0) {
                deadLetters.send(record.getMessage(), e.getCause(), 1, service, routeId);
                return;
            }
            park(record, policy, e.getCause(), service);
        } catch (Exception e) {
            if (OutageClassifier.isOutage(e)) {
                throw new DatabaseUnavailable(e);
            }
            park(record, policy, e, service);
        }
    }

    /** The first failure of a record: parked on its topic's retry topic, and its key held back behind it. */
    private void park(Exchange record, RetryPolicy policy, Throwable failure, String service) throws Exception {
        RetryTopics.Source source = RetryTopics.source(record.getMessage());
        long now = System.currentTimeMillis();
        Parked row = new Parked(service, source.topic(), source.partition(), source.offset(), source.key(), 1,
                now + policy.delayBefore(1), "attempt 1 failed at " + Instant.ofEpochMilli(now) + ": "
                + failure.getClass().getName() + ": " + failure.getMessage());
        inTransaction(scope -> {
            parked.park(scope, row);
            TopicProducers.acknowledged(retryTopics.send(record.getMessage(), row, policy));
        });
        metrics.parked(service, source.topic());
        LOG.warn("{}: parked {} on {}{}, its key held back until it is done; first retry in {} ms ({}: {})", service,
                describe(row), source.topic(), RetryTopics.SUFFIX, policy.delayBefore(1), failure.getClass().getSimpleName(),
                failure.getMessage());
    }

    /**
     * Records from..to of the poll, each through the {@code event-alone} route: its own transaction, the dead letter
     * channel's retries in place and dead-lettering. A record that still fails (its dead letter could not be written)
     * commits the offsets before it and fails the poll: camel-kafka (breakOnFirstError) polls again from it.
     */
    private void blocking(List<Exchange> records, int i, String eventRoute) throws Exception {
        Exchange record = records.get(i);
        record.setProperty(EVENT_ROUTE, eventRoute);
        producer.send(ALONE, record);
        if (record.isFailed()) {
            BatchOffsets.commit(records.subList(0, i));
            throw record.getException();
        }
    }

    /** Route step of {@code event-alone}: one event of a failed batch in a transaction of its own. */
    public void alone(Exchange record) throws Exception {
        try {
            Exchange event = committed(List.of(record), record.getProperty(EVENT_ROUTE, String.class), null).get(0);
            metrics.committed(EventMetrics.service(record), event);
        } catch (EventFailed e) {
            // the event's own failure, for the dead letter channel's onException and dlq.exception.* headers
            throw (Exception) e.getCause();
        }
    }

    private RetryPolicy policy(String retries) {
        return retries == null || retries.isBlank() ? defaultPolicy : policies.computeIfAbsent(retries, defaultPolicy::with);
    }

    private RetryPolicy policyOf(Exchange record) {
        RetryPolicy routes = record.getProperty(RetryPolicy.PROPERTY, RetryPolicy.class);
        if (routes != null) {
            return routes;
        }
        String text = record.getMessage().getHeader(RetryTopics.POLICY, String.class);
        return text == null ? defaultPolicy : policy(text);
    }

    private static String describe(Parked row) {
        return "the record of key '" + row.key() + "' at " + row.topic() + "-" + row.partition() + "@" + row.offset();
    }

    /** Work in a transaction of its own, committed when it returns. */
    private interface Work {
        void run(TransactionScope scope) throws Exception;
    }

    private void inTransaction(Work work) throws Exception {
        try (Connection connection = connection()) {
            connection.setAutoCommit(false);
            try {
                TransactionScope scope = new TransactionScope(connection, false);
                work.run(scope);
                EventTransaction.commit(scope);
            } catch (Exception e) {
                EventTransaction.rollback(connection);
                throw outageOr(e);
            }
        }
    }

    /** A pooled connection; none within the pool's timeout means the database is unreachable. */
    private Connection connection() {
        return OutageClassifier.connection(dataSource);
    }

    private static Exception outageOr(Exception e) {
        return OutageClassifier.asOutage(e);
    }

    /**
     * Runs the records as one batch: {@link #COMMITTED} with the events counted, or, rolled back, the index of the
     * event that failed, or {@link #UNKNOWN} when the failure was the batch's (its claims, its commit).
     */
    private int inOneTransaction(List<Exchange> records, String eventRoute, String service) {
        try {
            committed(records, eventRoute, null).forEach(event -> metrics.committed(service, event));
            return COMMITTED;
        } catch (EventFailed e) {
            if (OutageClassifier.isOutage(e.getCause())) {
                throw new DatabaseUnavailable(e.getCause());
            }
            if (records.size() > 1) {
                LOG.info("A batch of {} events failed at event {} ({}); it is handled alone, the events before and after it "
                        + "as batches", records.size(), e.index + 1, e.getCause().getMessage());
            }
            return e.index;
        } catch (DatabaseUnavailable e) {
            throw e;
        } catch (Exception e) {
            if (OutageClassifier.isOutage(e)) {
                throw new DatabaseUnavailable(e);
            }
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

    /**
     * Runs the records through the event route in one transaction, with the extra work if there is one, and commits
     * it; rolls it back and throws on a failure.
     */
    private List<Exchange> committed(List<Exchange> records, String eventRoute, Work extra) throws Exception {
        try (Connection connection = connection()) {
            connection.setAutoCommit(false);
            try {
                TransactionScope scope = new TransactionScope(connection, records.size() > 1);
                List<Exchange> events = run(records, eventRoute, scope);
                if (extra != null) {
                    extra.run(scope);
                }
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
     * {@link EventFailed}, which tells its place in the batch. A record whose key the group has parked on this topic
     * is parked behind it instead; a record whose key the group has parked on another topic makes that due now.
     * <p>
     * Each event's database steps run on this thread, one event after the other. A publish at the end of an event
     * route (camel-kafka's producer is asynchronous) does not hold up the next event: the broker's acknowledgements
     * are awaited together, before the caller commits.
     */
    private List<Exchange> run(List<Exchange> records, String eventRoute, TransactionScope scope) throws Exception {
        AsyncProducer route = route(eventRoute);
        String group = EventMetrics.service(records.get(0));
        // a copy from a retry topic is its key's head: it is tried, never parked behind itself
        boolean retries = records.get(0).getProperty(RETRY_COPY) != null;
        Map<String, Set<String>> parkedKeys = retries ? Map.of() : parked.keys(scope.connection(), group);
        Set<String> toWake = new HashSet<>();
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
            if (!parkedKeys.isEmpty()) {
                RetryTopics.Source source = RetryTopics.source(record.getMessage());
                Set<String> parkedHere = parkedKeys.getOrDefault(source.topic(), Set.of());
                if (parkedHere.contains(source.key())) {
                    // its key waits for a parked record: it goes behind that one, in order, without being tried
                    Parked behind = new Parked(group, source.topic(), source.partition(), source.offset(), source.key(), 0, 0, null);
                    parked.park(scope, behind);
                    completions.add(retryTopics.send(record.getMessage(), behind, policyOf(record)));
                    event.setProperty(EventMetrics.PARKED, source.topic());
                    events.add(event);
                    continue;
                }
                toWake.add(source.key());
            }
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
        toWake.removeIf(key -> parkedKeys.values().stream().noneMatch(keys -> keys.contains(key)));
        if (!toWake.isEmpty()) {
            parked.wake(scope.connection(), group, toWake);
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
