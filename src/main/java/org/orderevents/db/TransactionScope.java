package org.orderevents.db;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One JDBC transaction of the application, as its steps see it: the connection, and the writes held back to run
 * together just before it commits. A {@link org.orderevents.batch.BatchTransaction} runs a whole poll's events in one transaction; a step that
 * would write a row per event (a claim, an outbox row, a stock change) holds the write here instead, and the batch
 * writes them as a few multi-row statements per table, or, for a row that many events change (a product's stock), once. That
 * takes a database round-trip per event off PostgreSQL and a statement per event off H2.
 * <p>
 * The held writes run in the order they were first held; a step that reads what another step holds (an order's row
 * before its status changes) writes that one first ({@link #write(Object)}). Nothing is held past the transaction: a
 * rollback drops it with the rest.
 */
public final class TransactionScope {

    /** A write held until the transaction is about to commit. */
    public interface Held {
        void write(Connection connection) throws SQLException;
    }

    private final Connection connection;
    private final boolean batch;
    private final Map<Object, Held> held = new LinkedHashMap<>();

    public TransactionScope(Connection connection, boolean batch) {
        this.connection = connection;
        this.batch = batch;
    }

    public Connection connection() {
        return connection;
    }

    /**
     * True when the transaction holds more than one event (a batch of a poll). Only then may an event's claim be
     * held: a duplicate found when the claims are written fails the batch, whose events are then handled one at a time.
     */
    public boolean batch() {
        return batch;
    }

    /** The write held under the key, made by create the first time. */
    @SuppressWarnings("unchecked")
    public <T extends Held> T held(Object key, Supplier<T> create) {
        return (T) held.computeIfAbsent(key, k -> create.get());
    }

    /** An INSERT held as rows, written together as a few multi-row statements (the statement's text is the key). */
    public Rows rows(String sql) {
        return held(sql, () -> new Rows(sql));
    }

    /** Writes what is held under the key now (before a step reads those rows), if anything is. */
    public void write(Object key) throws SQLException {
        Held write = held.remove(key);
        if (write != null) {
            write.write(connection);
        }
    }

    /** Writes everything held, in the order it was first held; the caller then commits. */
    void writeAll() throws SQLException {
        for (Object key : List.copyOf(held.keySet())) {
            write(key);
        }
    }

    /** Rows of one INSERT, written as a few statements of many rows each ({@link MultiRowInsert}). */
    public static final class Rows implements Held {

        private final MultiRowInsert insert;
        private final List<Object[]> rows = new ArrayList<>();

        private Rows(String sql) {
            this.insert = new MultiRowInsert(sql);
        }

        public void add(Object... parameters) {
            rows.add(parameters);
        }

        @Override
        public void write(Connection connection) throws SQLException {
            insert.write(connection, rows);
        }
    }
}
