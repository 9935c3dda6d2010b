package org.orderevents.fault;

import org.orderevents.TestPostgres;

import java.time.Duration;


/**
 * {@link ScaleOutTest} in the production shape: the two instances share a PostgreSQL database of the test's own, which
 * the test cuts by refusing connections to it and closing the open ones (as a restarting server does).
 */
class PostgresScaleOutTest extends ScaleOutTest {

    @Override
    boolean onPostgres() {
        return true;
    }

    @Override
    void cutDatabase(Duration length, DuringCut during) throws Exception {
        TestPostgres.execute("ALTER DATABASE " + postgresDatabase + " ALLOW_CONNECTIONS false");
        try {
            TestPostgres.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + postgresDatabase + "'");
            awaitCut(length, during);
        } finally {
            TestPostgres.execute("ALTER DATABASE " + postgresDatabase + " ALLOW_CONNECTIONS true");
        }
    }

    @Override
    String database() {
        return "PostgreSQL";
    }
}
