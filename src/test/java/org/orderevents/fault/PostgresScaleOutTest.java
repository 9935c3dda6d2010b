package org.orderevents.fault;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.orderevents.TestPostgres;

import java.time.Duration;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link ScaleOutTest} in the production shape: the two instances share a PostgreSQL database of the test's own, which
 * the test cuts by refusing connections to it and closing the open ones (as a restarting server does).
 */
class PostgresScaleOutTest extends ScaleOutTest {

    private String name;

    @BeforeEach
    @Override
    void startDatabase() {
        assumeTrue(TestPostgres.reachable(), TestPostgres.UNREACHABLE);
        name = TestPostgres.createDatabase();
    }

    @AfterEach
    @Override
    void stopDatabase() {
        if (name != null) {
            TestPostgres.dropDatabase(name);
        }
    }

    @Override
    void cutDatabase(Duration length, DuringCut during) throws Exception {
        TestPostgres.execute("ALTER DATABASE " + name + " ALLOW_CONNECTIONS false");
        try {
            TestPostgres.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name + "'");
            awaitCut(length, during);
        } finally {
            TestPostgres.execute("ALTER DATABASE " + name + " ALLOW_CONNECTIONS true");
        }
    }

    @Override
    String dbUrl() {
        return TestPostgres.urlOf(name);
    }

    @Override
    String dbUser() {
        return TestPostgres.USER;
    }

    @Override
    String database() {
        return "PostgreSQL";
    }
}
