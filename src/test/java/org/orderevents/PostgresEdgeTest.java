package org.orderevents;

/** {@link EdgeTest} on PostgreSQL, which refuses a NUL in text: the edge refuses it first, naming the field. */
class PostgresEdgeTest extends EdgeTest {

    @Override
    protected boolean onPostgres() {
        return true;
    }
}
