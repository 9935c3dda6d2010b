package org.orderevents;

/** {@link OutboxTest} on PostgreSQL: commits that fail publish nothing; Idempotency-Key under concurrent retries. */
class PostgresOutboxTest extends OutboxTest {

    @Override
    protected boolean onPostgres() {
        return true;
    }
}
