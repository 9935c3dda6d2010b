package org.orderevents;

/** {@link LifecycleTest} on PostgreSQL. */
class PostgresLifecycleTest extends LifecycleTest {

    @Override
    protected boolean onPostgres() {
        return true;
    }
}
