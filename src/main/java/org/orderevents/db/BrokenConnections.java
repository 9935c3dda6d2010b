package org.orderevents.db;

import com.zaxxer.hikari.SQLExceptionOverride;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;

/**
 * Tells the pool to drop a connection that failed with a connection error. HikariCP evicts a connection on SQL states
 * of class 08 (PostgreSQL's, for one), but H2 reports a lost server with its own codes ("Database is already closed",
 * 90121; "Connection is broken", 90067) in a {@link SQLNonTransientConnectionException}. The pool must drop those too:
 * a busy pool reuses a connection within HikariCP's 500 ms alive-bypass window without checking it, so a broken one
 * kept in the pool fails every event after the database is back (DatabaseOutageTest holds that they succeed).
 */
public class BrokenConnections implements SQLExceptionOverride {

    @java.lang.Override
    public Override adjudicate(SQLException e) {
        return OutageClassifier.isBrokenConnection(e) ? Override.MUST_EVICT : Override.CONTINUE_EVICT;
    }
}
