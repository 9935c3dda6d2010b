package org.orderevents.db;

import org.apache.camel.Exchange;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.service.ServiceSupport;
import org.orderevents.metrics.EventMetrics;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The idempotent repository of one consumer group (processor name = group id), in table {@code processed_events}.
 * <p>
 * Written instead of camel-sql's {@code JdbcMessageIdRepository}, which runs SELECT COUNT then INSERT in a
 * transaction of its own: two round-trips, a race between instances, and a key that commits apart from the effect.
 * Here the claim is one {@code INSERT ... ON CONFLICT DO NOTHING}, decided by the primary key, and it runs on the
 * connection of the exchange's {@link EventTransaction}, so it commits or rolls back with the effect.
 */
public class ProcessedEvents extends ServiceSupport implements IdempotentRepository {

    private static final String CLAIM = "INSERT INTO processed_events (processor_name, event_id, processed_at) "
            + "VALUES (?, ?, LOCALTIMESTAMP) ON CONFLICT DO NOTHING";
    private static final MultiRowInsert CLAIMS = new MultiRowInsert(CLAIM);

    private final DataSource dataSource;
    private final String processorName;

    public ProcessedEvents(DataSource dataSource, String processorName) {
        this.dataSource = dataSource;
        this.processorName = processorName;
    }

    public String processorName() {
        return processorName;
    }

    @Override
    public boolean add(Exchange exchange, String eventId) {
        TransactionScope scope = EventTransaction.scope(exchange);
        boolean claimed;
        if (scope == null) {
            claimed = add(eventId);
        } else if (scope.batch()) {
            // held, and written with the batch's other claims in a few multi-row INSERTs before it commits (HeldClaims)
            claimed = scope.held(this, () -> new HeldClaims(Set.of())).add(eventId);
        } else {
            claimed = claim(scope.connection(), eventId);
        }
        if (!claimed) {
            // the idempotent consumer itself leaves no mark on a skipped duplicate
            exchange.setProperty(EventMetrics.DUPLICATE, true);
        }
        return claimed;
    }

    @Override
    public boolean add(String eventId) {
        try (Connection connection = dataSource.getConnection()) {
            return claim(connection, eventId);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Records the event as processed; false if it already was (a duplicate). */
    public boolean claim(Connection connection, String eventId) {
        try {
            return CLAIMS.write(connection, List.<Object[]>of(row(eventId))) == 1;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot record event " + eventId + " for " + processorName + ": " + e.getMessage(), e);
        }
    }

    /** Records many events in a few multi-row statements; returns the ids that were new, in the given order. */
    public Set<String> claimAll(Connection connection, Collection<String> eventIds) throws SQLException {
        Set<String> unique = new LinkedHashSet<>(eventIds);
        List<Object[]> rows = new ArrayList<>(unique.size());
        for (String id : unique) {
            rows.add(row(id));
        }
        Set<String> inserted = new HashSet<>(CLAIMS.writeReturning(connection, rows, "event_id"));
        Set<String> claimed = new LinkedHashSet<>();
        for (String id : unique) {
            if (inserted.contains(id)) {
                claimed.add(id);
            }
        }
        return claimed;
    }

    /** The parameters of {@link #CLAIM} for one event; processed_at is the database's clock, as the purge's cut-off. */
    private Object[] row(String eventId) {
        return new Object[] {processorName, eventId};
    }

    /**
     * Before a batch's events run ({@link org.orderevents.batch.BatchTransaction}): looks up which of their ids this processor already has, in
     * one query, so that the idempotent consumer skips those as duplicates without a statement of its own, and the
     * claims of the others are held and written together before the batch commits. Ids the batch did not name
     * (null: a record that is not an event) are decided when claimed.
     */
    public void beforeBatch(TransactionScope scope, Collection<String> eventIds) throws SQLException {
        List<String> ids = eventIds.stream().filter(Objects::nonNull).distinct().toList();
        Set<String> known = new HashSet<>();
        if (!ids.isEmpty()) {
            // the ids as one array parameter, each looked up in the primary key by a correlated subquery: an index
            // probe per id on H2 and PostgreSQL, whatever the table's size ("IN (?, …)" scans on H2, and a join of
            // UNNEST(?) hashes the whole table on PostgreSQL)
            try (PreparedStatement select = scope.connection().prepareStatement("SELECT t.id, (SELECT 1 FROM processed_events p "
                    + "WHERE p.processor_name = ? AND p.event_id = t.id) FROM UNNEST(?) AS t(id)")) {
                select.setString(1, processorName);
                select.setArray(2, scope.connection().createArrayOf("varchar", ids.toArray()));
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        if (rows.getObject(2) != null) {
                            known.add(rows.getString(1));
                        }
                    }
                }
            }
        }
        scope.held(this, () -> new HeldClaims(known));
    }

    /**
     * The claims of a batch's events, held until the batch commits: an event is new unless this processor had it
     * before the batch ({@link #beforeBatch}) or the batch already had it. Written as multi-row INSERTs; should the
     * database have one after all (another instance claimed it since: a rebalance), the batch fails, its transaction
     * rolls back with the effects, and its events are handled one at a time, each claim decided before its effect.
     */
    private final class HeldClaims implements TransactionScope.Held {

        private final Set<String> known;
        private final Set<String> eventIds = new LinkedHashSet<>();

        HeldClaims(Set<String> known) {
            this.known = known;
        }

        boolean add(String eventId) {
            return !known.contains(eventId) && eventIds.add(eventId);
        }

        @Override
        public void write(Connection connection) throws SQLException {
            int taken = eventIds.size() - claimAll(connection, eventIds).size();
            if (taken > 0) {
                throw new IllegalStateException(taken + " event(s) of the batch were claimed by another consumer of "
                        + processorName + " while it ran");
            }
        }
    }

    @Override
    public boolean contains(String eventId) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement(
                     "SELECT 1 FROM processed_events WHERE processor_name = ? AND event_id = ?")) {
            select.setString(1, processorName);
            select.setString(2, eventId);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Never deletes: a failed event's record is undone by the rollback of its transaction. Deleting here, after the
     * transaction, could remove a record another instance committed in the meantime.
     */
    @Override
    public boolean remove(String eventId) {
        return false;
    }

    @Override
    public boolean confirm(String eventId) {
        return true;
    }

    @Override
    public void clear() {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement delete = connection.prepareStatement("DELETE FROM processed_events WHERE processor_name = ?")) {
            delete.setString(1, processorName);
            delete.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
