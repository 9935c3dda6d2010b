package org.orderevents.fault;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.orderevents.TestPostgres;

/**
 * A fault test whose database is H2 in server mode, owned by the test: several application JVMs can share it, the test
 * can read it while the application runs, and stop and start it. A subclass whose {@link #onPostgres()} is true runs
 * on a PostgreSQL database of its own instead (skipped without PostgreSQL).
 */
abstract class ServerDatabaseTestSupport extends FaultTestSupport {

    DatabaseServer database;

    /** True: a PostgreSQL database of the test's own, as in production, instead of the H2 server. */
    boolean onPostgres() {
        return false;
    }

    @BeforeEach
    void startDatabase() throws Exception {
        if (onPostgres()) {
            usePostgres();
        } else {
            database = new DatabaseServer(dataDir.resolve("h2"));
        }
    }

    @AfterEach
    void stopDatabase() {
        if (onPostgres()) {
            dropPostgres();
        } else {
            database.close();
        }
    }

    @Override
    String dbUrl() {
        return onPostgres() ? TestPostgres.urlOf(postgresDatabase) : database.url();
    }
}
