package org.orderevents.fault;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.orderevents.TestPostgres;

/** {@link ReprocessTest} on PostgreSQL, as in production; skipped where PostgreSQL is not reachable. */
class PostgresReprocessTest extends ReprocessTest {

    @BeforeEach
    @Override
    void startDatabase() {
        usePostgres();
    }

    @AfterEach
    @Override
    void stopDatabase() {
        dropPostgres();
    }

    @Override
    String dbUrl() {
        return TestPostgres.urlOf(postgresDatabase);
    }

    @Override
    String database() {
        return "PostgreSQL";
    }
}
