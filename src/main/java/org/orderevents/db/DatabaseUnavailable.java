package org.orderevents.db;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;

/**
 * The database, which every event needs, cannot be reached: not a failure of the events at hand. A consumer that meets
 * it takes its records back (they are polled again) and waits, rather than retrying, parking or dead-lettering them.
 */
public class DatabaseUnavailable extends RuntimeException {

    public DatabaseUnavailable(Throwable cause) {
        super("the database is unreachable: " + cause.getMessage(), cause);
    }

    /**
     * True when the failure is the connection's, not the statement's: no connection within the pool's timeout, a
     * connection that broke, SQL state class 08 (connection exception) or PostgreSQL's 57P01-57P03 (server shutting
     * down or not accepting connections).
     */
    public static boolean causedBy(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
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
}
