package org.orderevents.db;

import org.apache.camel.Exchange;
import org.apache.camel.NamedNode;
import org.apache.camel.Processor;
import org.apache.camel.Route;
import org.apache.camel.spi.Policy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Route policy: the steps it wraps share one JDBC transaction, so the idempotent consumer's record of an event and
 * the event's effect commit together or not at all. The transaction commits only when the steps succeeded; it rolls
 * back when they failed or when the dead letter channel took the event, so a dead-lettered event leaves no trace and
 * a replay of it is processed. The order API wraps an order's row and its outbox row in it. The services' consumers
 * use {@link org.orderevents.batch.EventBatch} instead: one transaction per poll, and this same connection property for
 * the steps of each event; the e-mail outbox's rounds run in {@link #inTransaction}. Camel's {@code transacted} needs Spring or
 * JTA; a plain JDBC transaction is all that is needed here. Whether a failure of it is a database outage (a 503 for
 * the API, a wait for the e-mail outbox) is for {@link OutageClassifier} to say.
 */
public class EventTransaction implements Policy {

    private static final Logger LOG = LoggerFactory.getLogger(EventTransaction.class);
    private static final String SCOPE = "orderEvents.transaction";

    private final DataSource dataSource;

    public EventTransaction(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** The transaction the exchange is in, or null outside of one. */
    public static TransactionScope scope(Exchange exchange) {
        return exchange.getProperty(SCOPE, TransactionScope.class);
    }

    /** The connection of the transaction the exchange is in, or null outside of one. */
    public static Connection connection(Exchange exchange) {
        TransactionScope scope = scope(exchange);
        return scope == null ? null : scope.connection();
    }

    /** Puts the exchange in the transaction (a {@link org.orderevents.batch.BatchTransaction}'s). */
    public static void bind(Exchange exchange, TransactionScope scope) {
        exchange.setProperty(SCOPE, scope);
    }

    /** The transaction the exchange is in; a step that changes state must run inside one. */
    public static TransactionScope requiredScope(Exchange exchange) {
        TransactionScope scope = scope(exchange);
        if (scope == null) {
            throw new IllegalStateException("this step changes the database and must run inside the eventTransaction policy");
        }
        return scope;
    }

    /** The connection of the transaction the exchange is in; a step that changes state must run inside one. */
    public static Connection required(Exchange exchange) {
        return requiredScope(exchange).connection();
    }

    /** Writes what the transaction holds, then commits it; a failure of either throws, and the caller rolls back. */
    public static void commit(TransactionScope scope) throws SQLException {
        scope.writeAll();
        scope.connection().commit();
    }

    /** Work on a transaction of its own; its result is returned once the transaction has committed. */
    public interface Work<T> {
        T run(TransactionScope scope) throws Exception;
    }

    /**
     * Runs the work in a transaction of its own, on a pooled connection, and commits it. A failure rolls it back and is
     * thrown, as a {@link DatabaseUnavailable} when it is an outage ({@link OutageClassifier}).
     */
    public static <T> T inTransaction(DataSource dataSource, Work<T> work) throws Exception {
        try (Connection connection = OutageClassifier.connection(dataSource)) {
            connection.setAutoCommit(false);
            try {
                TransactionScope scope = new TransactionScope(connection, false);
                T result = work.run(scope);
                commit(scope);
                return result;
            } catch (Exception e) {
                rollback(connection);
                throw OutageClassifier.asOutage(e);
            }
        }
    }

    @Override
    public void beforeWrap(Route route, NamedNode definition) {
    }

    @Override
    public Processor wrap(Route route, Processor processor) {
        return exchange -> {
            Object caughtBefore = exchange.getProperty(Exchange.EXCEPTION_CAUGHT);
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(false);
                TransactionScope scope = new TransactionScope(connection, false);
                bind(exchange, scope);
                try {
                    processor.process(exchange);
                } catch (Exception e) {
                    exchange.setException(e);
                } finally {
                    exchange.removeProperty(SCOPE);
                }
                boolean failed = exchange.getException() != null || exchange.isRollbackOnly()
                        || exchange.getProperty(Exchange.EXCEPTION_CAUGHT) != caughtBefore;
                if (failed) {
                    rollback(connection);
                } else {
                    try {
                        commit(scope);
                    } catch (SQLException | RuntimeException e) {
                        // the error handler then runs the whole unit again in a new transaction
                        rollback(connection);
                        throw e;
                    }
                }
                connection.setAutoCommit(true);
            }
        };
    }

    public static void rollback(Connection connection) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            LOG.warn("Rollback failed (the database is probably unreachable; nothing was committed): {}", e.getMessage());
        }
    }
}
