package org.orderevents.retry;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.orderevents.batch.BatchTransaction;
import org.orderevents.batch.BatchTransaction.Outcome;
import org.orderevents.db.DatabaseOutage;
import org.orderevents.db.DatabaseUnavailable;
import org.orderevents.db.EventTransaction;
import org.orderevents.db.OutageClassifier;
import org.orderevents.deadletter.DeadLetters;
import org.orderevents.event.InvalidEventException;
import org.orderevents.kafka.BatchOffsets;
import org.orderevents.kafka.TopicProducers;
import org.orderevents.metrics.EventMetrics;
import org.orderevents.retry.ParkedEvents.Parked;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.orderevents.retry.KeyParking.describe;

/**
 * A service's consumer of {@code <topic>.retry} (the route template {@code event-batch-retry}, docs/retries.md): tries
 * the group's parked records whose turn has come, in order per retry partition, each in a transaction of its own. Flow
 * per copy: find its row (none: wait for the batch that parked it, or skip it as stale); not its key's head: send it
 * behind; not due: stop the partition there; due: try it with its row's deletion, and on a failure count the attempt or
 * dead-letter it. The {@link Turn} of each copy says whether the partition goes on.
 */
public final class RetryTopicConsumer {

    /** Longest a retry consumer waits for a parked record's turn before it polls again. */
    static final long NOT_DUE_WAIT_MS = 250;
    /** How long a retry consumer waits for the batch that parked a record to commit. */
    static final long NOT_COMMITTED_WAIT_MS = 50;

    private static final Logger LOG = LoggerFactory.getLogger(RetryTopicConsumer.class);

    /** What became of one copy. */
    sealed interface Turn {

        /** Done with: stale, processed, dead-lettered, or its row changed meanwhile; the partition goes on. */
        record Done() implements Turn {
        }

        /** Sent behind its key's head; the partition goes on once the broker has acknowledged the send. */
        record SentBehind(CompletableFuture<Exchange> sent) implements Turn {
        }

        /** To be tried again at {@code dueAt} (epoch ms): the partition stops at it and is polled again from it. */
        record Wait(long dueAt) implements Turn {
        }
    }

    private static final Turn DONE = new Turn.Done();

    private final DataSource dataSource;
    private final BatchTransaction transaction;
    private final ParkedEvents parked;
    private final RetryTopics retryTopics;
    private final RetryPolicies policies;
    private final DeadLetters deadLetters;
    private final EventMetrics metrics;
    private final DatabaseOutage outage;
    private final SourceCommits sourceCommits;

    public RetryTopicConsumer(DataSource dataSource, BatchTransaction transaction, ParkedEvents parked,
            RetryTopics retryTopics, RetryPolicies policies, DeadLetters deadLetters, EventMetrics metrics,
            DatabaseOutage outage, SourceCommits sourceCommits) {
        this.dataSource = dataSource;
        this.transaction = transaction;
        this.parked = parked;
        this.retryTopics = retryTopics;
        this.policies = policies;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.outage = outage;
        this.sourceCommits = sourceCommits;
    }

    /**
     * The copies of a poll of the retry topic (the records not taken back), per retry partition: the offsets of the
     * copies done with are committed, the rest taken back. A copy that is not due stops its partition; the consumer
     * then waits for it, at most {@link #NOT_DUE_WAIT_MS}, so it never stops polling for long.
     */
    public void consume(List<Exchange> records, String eventRoute, String service, String routeId) throws Exception {
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
                    Turn turn = turnOf(record, eventRoute, service, routeId);
                    if (turn instanceof Turn.SentBehind behind) {
                        resent.add(behind.sent());
                    } else if (turn instanceof Turn.Wait until) {
                        wait = Math.min(wait, until.dueAt() - System.currentTimeMillis());
                        break;
                    }
                }
            } catch (DatabaseUnavailable e) {
                acknowledged(resent);
                BatchOffsets.commit(partition.subList(0, handled));
                outage.takeBack(service, records.subList(records.indexOf(partition.get(handled)), records.size()), e);
                return;
            }
            acknowledged(resent);
            BatchOffsets.commit(partition.subList(0, handled));
            BatchOffsets.rewind(partition.subList(handled, partition.size()));
        }
        outage.over(service);
        if (wait != Long.MAX_VALUE && wait > 0) {
            Thread.sleep(Math.min(wait, NOT_DUE_WAIT_MS));
        }
    }

    /** One copy: skipped when stale; sent behind when its key's head is elsewhere (a copy made twice); else tried when due. */
    private Turn turnOf(Exchange record, String eventRoute, String service, String routeId) throws Exception {
        RetryTopics.Source source = RetryTopics.source(record.getMessage());
        Parked row;
        try (Connection connection = OutageClassifier.connection(dataSource)) {
            Parked found = parked.find(connection, service, source.topic(), source.partition(), source.offset()).orElse(null);
            if (found == null) {
                // parked by a batch that has not committed yet (its copy is sent before its commit): wait for it
                if (!sourceCommits.committedPast(record, source)) {
                    LOG.debug("{}: copy of {}/{}@{} has no row: its batch has not committed yet", service, source.topic(),
                            source.partition(), source.offset());
                    return new Turn.Wait(System.currentTimeMillis() + NOT_COMMITTED_WAIT_MS);
                }
                // that batch committed its rows before its offsets: looked up again, as the row may have committed
                // since the first look; none means done with (processed, dead-lettered, or its batch rolled back)
                found = parked.find(connection, service, source.topic(), source.partition(), source.offset()).orElse(null);
                if (found == null) {
                    LOG.debug("{}: copy of {}/{}@{} has no row: done with", service, source.topic(), source.partition(),
                            source.offset());
                    return DONE;
                }
            }
            row = found;
            if (!parked.isHead(connection, row)) {
                // a record of its key waits before it, later on this topic: it goes behind that one, in order
                LOG.debug("{}: {} is not its key's head: sent behind it", service, describe(row));
                return new Turn.SentBehind(retryTopics.send(record.getMessage(), row, policies.of(record)));
            }
        } catch (SQLException e) {
            throw OutageClassifier.asOutage(e);
        }
        if (!row.due(System.currentTimeMillis())) {
            return new Turn.Wait(row.dueAt());
        }
        return tried(record, row, eventRoute, service, routeId);
    }

    /** The head, due: tried in a transaction of its own that deletes its row; a try because its key was woken does not count. */
    private Turn tried(Exchange record, Parked row, String eventRoute, String service, String routeId) throws Exception {
        LOG.debug("{}: trying {} (attempts {}, woken {})", service, describe(row), row.attempts(), row.woken());
        Exchange event = record.copy();
        RetryTopics.asSource(event.getMessage());
        if (row.attempts() > 0 && !row.woken()) {
            metrics.retried(service);
        }
        Outcome outcome = transaction.runHead(event, eventRoute, scope -> {
            if (!parked.done(scope.connection(), row)) {
                throw new IllegalStateException("parked record " + row + " was taken by another consumer");
            }
        }).outageThrown();
        if (outcome instanceof Outcome.Committed committed) {
            metrics.committed(service, committed.events().get(0));
            metrics.parkedDone(service, row.topic());
            LOG.debug("{}: {} done", service, describe(row));
            return DONE;
        }
        return failedAgain(event, row, outcome.failure(), policies.of(record), service, routeId);
    }

    /**
     * A parked record failed again: dead-lettered when it is invalid or has had its retries (done), else its row counts
     * the attempt and it waits for the next (when it is due); done too when its row changed meanwhile.
     */
    private Turn failedAgain(Exchange event, Parked row, Throwable failure, RetryPolicy policy, String service, String routeId)
            throws Exception {
        int attempts = row.woken() ? row.attempts() : row.attempts() + 1;
        long now = System.currentTimeMillis();
        String line = "attempt " + (row.attempts() + 1) + (row.woken() ? " (woken)" : "") + " failed at " + Instant.ofEpochMilli(now)
                + ": " + failure.getClass().getName() + ": " + failure.getMessage();
        return EventTransaction.inTransaction(dataSource, scope -> {
            if (failure instanceof InvalidEventException || attempts > policy.retries()) {
                if (parked.done(scope.connection(), row)) {
                    Message letter = event.getMessage();
                    letter.setHeader(RetryTopics.ATTEMPTS, String.valueOf(attempts));
                    letter.setHeader(RetryTopics.HISTORY, row.history() == null ? line : row.history() + "\n" + line);
                    deadLetters.send(letter, failure, attempts, service, routeId);
                    metrics.parkedDone(service, row.topic());
                }
                return DONE;
            }
            long next = row.woken() ? row.dueAt() : now + policy.delayBefore(attempts);
            if (!parked.retryLater(scope.connection(), row, attempts, next, line)) {
                return DONE;
            }
            if (!row.woken()) {
                LOG.warn("{}: retry {} of {} failed for {} ({}: {}); next in {} ms", service, attempts - 1, policy.retries(),
                        describe(row), failure.getClass().getSimpleName(), failure.getMessage(), next - now);
            }
            return new Turn.Wait(Math.max(next, now + 1));
        });
    }

    private static void acknowledged(List<CompletableFuture<Exchange>> sent) throws Exception {
        for (CompletableFuture<Exchange> copy : sent) {
            TopicProducers.acknowledged(copy);
        }
    }
}
