package org.orderevents.retry;

import org.apache.camel.Exchange;
import org.orderevents.db.EventTransaction;
import org.orderevents.db.TransactionScope;
import org.orderevents.kafka.TopicProducers;
import org.orderevents.metrics.EventMetrics;
import org.orderevents.retry.ParkedEvents.Parked;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Parking and waking keys (docs/retries.md). A record's first failure parks it: a row in {@link ParkedEvents} and a copy
 * on {@code <topic>.retry} ({@link RetryTopics}), in a transaction of its own. In a batch's transaction, a {@link Gate}
 * parks each later record of a parked key behind it, without trying it, and wakes the group's parked records of every
 * key that made progress on another topic.
 */
public final class KeyParking {

    private static final Logger LOG = LoggerFactory.getLogger(KeyParking.class);

    private final DataSource dataSource;
    private final ParkedEvents parked;
    private final RetryTopics retryTopics;
    private final RetryPolicies policies;
    private final EventMetrics metrics;

    public KeyParking(DataSource dataSource, ParkedEvents parked, RetryTopics retryTopics, RetryPolicies policies,
            EventMetrics metrics) {
        this.dataSource = dataSource;
        this.parked = parked;
        this.retryTopics = retryTopics;
        this.policies = policies;
        this.metrics = metrics;
    }

    /**
     * The first failure of a record: parked on its topic's retry topic, its key held back behind it. The copy is
     * acknowledged by the broker before the row commits, so a crash leaves both, or a copy without a row (stale).
     */
    public Parked parkFirst(Exchange record, RetryPolicy policy, Throwable failure, String service) throws Exception {
        RetryTopics.Source source = RetryTopics.source(record.getMessage());
        long now = System.currentTimeMillis();
        Parked row = new Parked(service, source.topic(), source.partition(), source.offset(), source.key(), 1,
                now + policy.delayBefore(1), "attempt 1 failed at " + Instant.ofEpochMilli(now) + ": "
                + failure.getClass().getName() + ": " + failure.getMessage());
        EventTransaction.inTransaction(dataSource, scope -> {
            parked.park(scope, row);
            TopicProducers.acknowledged(retryTopics.send(record.getMessage(), row, policy));
            return row;
        });
        metrics.parked(service, source.topic());
        LOG.warn("{}: parked {} on {}{}, its key held back until it is done; first retry in {} ms ({}: {})", service,
                describe(row), source.topic(), RetryTopics.SUFFIX, policy.delayBefore(1), failure.getClass().getSimpleName(),
                failure.getMessage());
        return row;
    }

    /** The gate of a batch's transaction: the keys the group has parked, per topic, as the transaction sees them. */
    public Gate gate(Connection connection, String group) throws SQLException {
        return new Gate(group, parked.keys(connection, group));
    }

    /** The gate of a parked record's own try: it is its key's head, never parked behind itself, and wakes nothing. */
    public Gate open(String group) {
        return new Gate(group, Map.of());
    }

    /** Which records of a batch park behind their key, and which keys the batch wakes. */
    public final class Gate {

        private final String group;
        private final Map<String, Set<String>> parkedKeys;
        private final Set<String> toWake = new HashSet<>();

        private Gate(String group, Map<String, Set<String>> parkedKeys) {
            this.group = group;
            this.parkedKeys = parkedKeys;
        }

        /**
         * If the group has parked the record's key on its topic, the record goes behind it, in order, without being
         * tried: its row is held in the transaction and its copy sent (the send returned, for the caller to await before
         * the commit). Else nothing, and the key is one the batch may wake.
         */
        public Optional<CompletableFuture<Exchange>> parkBehind(TransactionScope scope, Exchange record) throws Exception {
            if (parkedKeys.isEmpty()) {
                return Optional.empty();
            }
            RetryTopics.Source source = RetryTopics.source(record.getMessage());
            if (!parkedKeys.getOrDefault(source.topic(), Set.of()).contains(source.key())) {
                toWake.add(source.key());
                return Optional.empty();
            }
            Parked behind = new Parked(group, source.topic(), source.partition(), source.offset(), source.key(), 0, 0, null);
            parked.park(scope, behind);
            return Optional.of(retryTopics.send(record.getMessage(), behind, policies.of(record)));
        }

        /** The batch's keys that the group has parked on some topic: their parked records are due now. */
        public void wake(Connection connection) throws SQLException {
            toWake.removeIf(key -> parkedKeys.values().stream().noneMatch(keys -> keys.contains(key)));
            if (!toWake.isEmpty()) {
                parked.wake(connection, group, toWake);
            }
        }
    }

    /** A parked record as the log names it. */
    public static String describe(Parked row) {
        return "the record of key '" + row.key() + "' at " + row.topic() + "-" + row.partition() + "@" + row.offset();
    }
}
