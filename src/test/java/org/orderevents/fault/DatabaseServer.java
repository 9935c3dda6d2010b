package org.orderevents.fault;

import org.h2.tools.Server;

import java.nio.file.Path;
import java.sql.SQLException;

/**
 * H2 in server mode, owned by the test: the database several application JVMs share, and one the test can make
 * unreachable (stop) and bring back (start on the same port and files).
 */
final class DatabaseServer implements AutoCloseable {

    private final Path baseDir;
    private int port;
    private Server server;

    DatabaseServer(Path baseDir) throws SQLException {
        this.baseDir = baseDir;
        start();
        this.port = server.getPort();
    }

    void start() throws SQLException {
        server = Server.createTcpServer("-tcpPort", String.valueOf(port), "-baseDir", baseDir.toString(), "-ifNotExists").start();
    }

    /** Stops the server and drops every open connection: the database is unreachable until {@link #start()}. */
    void stop() {
        server.stop();
    }

    String url() {
        return "jdbc:h2:tcp://localhost:" + port + "/orders;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE";
    }

    @Override
    public void close() {
        server.stop();
    }
}
