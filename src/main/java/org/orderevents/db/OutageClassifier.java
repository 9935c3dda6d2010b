package org.orderevents.db;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;

/**
 * The one place that tells a database outage from any other failure, for every transaction of the application: a
 * service's batch and its retry copies ({@link org.orderevents.batch.EventBatch}), analytics-service's batch, the e-mail
 * outbox, and the HTTP API's answer ({@code 503}) to a request whose {@link EventTransaction} failed. An outage is not
 * the failure of the events or the request at hand: a consumer takes its records back and waits
 * ({@link DatabaseOutage}), rather than retrying, parking or dead-lettering them.
 */
public final class OutageClassifier {

    private OutageClassifier() {
    }

    /**
     * True when the failure is the connection's, not the statement's: no connection within the pool's timeout, a
     * connection that broke, SQL state class 08 (connection exception) or PostgreSQL's 57P01-57P03 (server shutting
     * down or not accepting connections), or a {@link DatabaseUnavailable} already.
     */
    public static boolean isOutage(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = next(cause)) {
            if (cause instanceof DatabaseUnavailable || cause instanceof SQLTransientConnectionException
                    || cause instanceof SQLNonTransientConnectionException || cause instanceof SQLRecoverableException) {
                return true;
            }
            if (cause instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().matches("57P0[123]"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * True when the database gave the transaction up for its conflict with another one, which may pass when tried
     * again: SQL state class 40 (a deadlock, a serialization failure), a lock wait that timed out (H2's HYT00,
     * PostgreSQL's 55P03).
     */
    public static boolean isConflict(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = next(cause)) {
            if (cause instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("40") || sql.getSQLState().equals("HYT00") || sql.getSQLState().equals("55P03"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * True when the failure says its connection is broken for good (H2 reports a lost server, "Database is already
     * closed" or "Connection is broken", as a {@link SQLNonTransientConnectionException}): the pool must drop it
     * ({@link BrokenConnections}). One of the outages {@link #isOutage} finds.
     */
    public static boolean isBrokenConnection(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = next(cause)) {
            if (cause instanceof SQLNonTransientConnectionException) {
                return true;
            }
        }
        return false;
    }

    /** The failure as a {@link DatabaseUnavailable} when it is an outage (wrapped once), else the failure itself. */
    public static Exception asOutage(Exception failure) {
        return failure instanceof DatabaseUnavailable || !isOutage(failure) ? failure : new DatabaseUnavailable(failure);
    }

    /** Throws the failure as a {@link DatabaseUnavailable} when it is an outage; returns otherwise. */
    public static void throwIfOutage(Throwable failure) {
        if (failure instanceof DatabaseUnavailable unavailable) {
            throw unavailable;
        }
        if (isOutage(failure)) {
            throw new DatabaseUnavailable(failure);
        }
    }

    /** A pooled connection; none within the pool's timeout means the database is unreachable. */
    public static Connection connection(DataSource dataSource) {
        try {
            return dataSource.getConnection();
        } catch (SQLException e) {
            throw new DatabaseUnavailable(e);
        }
    }

    private static Throwable next(Throwable cause) {
        return cause.getCause() == cause ? null : cause.getCause();
    }
}
