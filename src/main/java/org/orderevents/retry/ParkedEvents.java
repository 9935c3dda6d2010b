package org.orderevents.retry;

import org.orderevents.db.TransactionScope;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Table {@code parked_events}: the records a consumer group parked on {@code <topic>.retry}, one row each. A key is
 * parked in a group and topic while it has a row there; the row of the lowest source offset is the key's head, the
 * one record of the key that may be tried; the others wait behind it in order. Rows are written in the transactions
 * that park, retry and finish the records, with their effects.
 */
public class ParkedEvents {

    /**
     * One parked record: where it came from, its key, the failed attempts, when it may be tried again (epoch ms), whether
     * its key made progress elsewhere since (tried at once), and its failures so far.
     */
    public record Parked(String group, String topic, int partition, long offset, String key, int attempts, long dueAt,
            boolean woken, String history) {

        public Parked(String group, String topic, int partition, long offset, String key, int attempts, long dueAt, String history) {
            this(group, topic, partition, offset, key, attempts, dueAt, false, history);
        }

        /** Whether it may be tried at {@code now}. */
        public boolean due(long now) {
            return woken || dueAt <= now;
        }
    }

    /** Parked records per group and topic, and the age of the oldest, for metrics and health. */
    public record Count(String group, String topic, long records, long keys, long oldestMillis) {
    }

    private static final String PARK = "INSERT INTO parked_events (group_id, topic, source_partition, source_offset, "
            + "record_key, attempts, due_at, history, parked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
    /** The longest history kept: the latest failures. */
    private static final int HISTORY_CHARS = 4000;

    private final DataSource dataSource;

    public ParkedEvents(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** The keys the group has parked, per topic: one indexed query, which finds nothing while nothing is parked. */
    public Map<String, Set<String>> keys(Connection connection, String group) throws SQLException {
        Map<String, Set<String>> keys = new HashMap<>();
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT DISTINCT topic, record_key FROM parked_events WHERE group_id = ?")) {
            select.setString(1, group);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    keys.computeIfAbsent(rows.getString(1), t -> new HashSet<>()).add(rows.getString(2));
                }
            }
        }
        return keys;
    }

    /** Holds the record's row until the transaction commits (a second park of the same record changes nothing). */
    public void park(TransactionScope scope, Parked parked) {
        scope.rows(PARK).add(parked.group(), parked.topic(), parked.partition(), parked.offset(), parked.key(),
                parked.attempts(), parked.dueAt(), parked.history(), new Timestamp(System.currentTimeMillis()));
    }

    /** The row of a parked record, if it is still parked. */
    public Optional<Parked> find(Connection connection, String group, String topic, int partition, long offset)
            throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT record_key, attempts, due_at, woken, history FROM parked_events "
                + "WHERE group_id = ? AND topic = ? AND source_partition = ? AND source_offset = ?")) {
            select.setString(1, group);
            select.setString(2, topic);
            select.setInt(3, partition);
            select.setLong(4, offset);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(new Parked(group, topic, partition, offset, rows.getString(1), rows.getInt(2),
                        rows.getLong(3), rows.getBoolean(4), rows.getString(5))) : Optional.empty();
            }
        }
    }

    /** True when no record of the key was parked before this one: it is the key's head, the one to try. */
    public boolean isHead(Connection connection, Parked parked) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT 1 FROM parked_events WHERE group_id = ? "
                + "AND topic = ? AND record_key = ? AND (source_partition < ? OR (source_partition = ? AND source_offset < ?))")) {
            select.setString(1, parked.group());
            select.setString(2, parked.topic());
            select.setString(3, parked.key());
            select.setInt(4, parked.partition());
            select.setInt(5, parked.partition());
            select.setLong(6, parked.offset());
            try (ResultSet rows = select.executeQuery()) {
                return !rows.next();
            }
        }
    }

    /** The record is done (processed or dead-lettered): its row goes; false if another consumer removed it first. */
    public boolean done(Connection connection, Parked parked) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement("DELETE FROM parked_events WHERE group_id = ? AND topic = ? "
                + "AND source_partition = ? AND source_offset = ? AND attempts = ?")) {
            delete.setString(1, parked.group());
            delete.setString(2, parked.topic());
            delete.setInt(3, parked.partition());
            delete.setLong(4, parked.offset());
            delete.setInt(5, parked.attempts());
            return delete.executeUpdate() == 1;
        }
    }

    /**
     * Another attempt failed: the row counts it (unless it was a woken try, which does not count), adds it to the
     * history and says when the next is due; false if the row changed meanwhile.
     */
    public boolean retryLater(Connection connection, Parked parked, int attempts, long dueAt, String failure) throws SQLException {
        String history = parked.history() == null ? failure : parked.history() + "\n" + failure;
        if (history.length() > HISTORY_CHARS) {
            history = history.substring(history.length() - HISTORY_CHARS);
        }
        try (PreparedStatement update = connection.prepareStatement("UPDATE parked_events SET attempts = ?, due_at = ?, "
                + "woken = FALSE, history = ? WHERE group_id = ? AND topic = ? AND source_partition = ? AND source_offset = ? "
                + "AND attempts = ?")) {
            update.setInt(1, attempts);
            update.setLong(2, dueAt);
            update.setString(3, history);
            update.setString(4, parked.group());
            update.setString(5, parked.topic());
            update.setInt(6, parked.partition());
            update.setLong(7, parked.offset());
            update.setInt(8, parked.attempts());
            return update.executeUpdate() == 1;
        }
    }

    /**
     * The keys made progress in the group (an event of theirs committed on another topic: an order recorded, say): what
     * the group parked of them on its other topics is due now rather than at its back-off's next turn.
     */
    public void wake(Connection connection, String group, Collection<String> keys) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE parked_events SET woken = TRUE WHERE group_id = ? AND record_key = ? AND woken = FALSE")) {
            for (String key : keys) {
                update.setString(1, group);
                update.setString(2, key);
                update.addBatch();
            }
            update.executeBatch();
        }
    }

    /** What is parked now, per group and topic. */
    public List<Count> counts() throws SQLException {
        List<Count> counts = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement("SELECT group_id, topic, COUNT(*), COUNT(DISTINCT record_key), "
                     + "MIN(parked_at) FROM parked_events GROUP BY group_id, topic");
             ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                counts.add(new Count(rows.getString(1), rows.getString(2), rows.getLong(3), rows.getLong(4),
                        rows.getTimestamp(5).getTime()));
            }
        }
        return counts;
    }
}
