package org.orderevents.fault;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A fault test whose database is H2 in server mode, owned by the test: several application JVMs can share it, the test
 * can read it while the application runs, and stop and start it.
 */
abstract class ServerDatabaseTestSupport extends FaultTestSupport {

    DatabaseServer database;

    @BeforeEach
    void startDatabase() throws Exception {
        database = new DatabaseServer(dataDir.resolve("h2"));
    }

    @AfterEach
    void stopDatabase() {
        database.close();
    }

    @Override
    String dbUrl() {
        return database.url();
    }
}
