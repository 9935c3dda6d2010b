package org.orderevents.fault;

/** {@link ReprocessTest} on PostgreSQL, as in production; skipped where PostgreSQL is not reachable. */
class PostgresReprocessTest extends ReprocessTest {

    @Override
    boolean onPostgres() {
        return true;
    }

    @Override
    String database() {
        return "PostgreSQL";
    }
}
