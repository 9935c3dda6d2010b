package org.orderevents.health;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.orderevents.db.Database;

import javax.sql.DataSource;
import java.sql.Connection;
import java.util.Map;

/**
 * Readiness of the database: a pooled connection is handed out and answers a validity check. While it is DOWN the
 * services' events fail their retries and are dead-lettered, to be replayed once it is back.
 */
public class DatabaseHealthCheck extends AbstractHealthCheck {

    private static final int VALID_TIMEOUT_S = 2;

    private final DataSource dataSource;
    private final String url;

    public DatabaseHealthCheck(DataSource dataSource, String url) {
        super("order-events", "database");
        this.dataSource = dataSource;
        this.url = Database.safeUrl(url);
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.detail("url", url);
        try (Connection connection = dataSource.getConnection()) {
            if (connection.isValid(VALID_TIMEOUT_S)) {
                builder.up();
            } else {
                builder.down().message("Database connection did not answer within " + VALID_TIMEOUT_S + " s");
            }
        } catch (Exception e) {
            builder.down().message("Database unreachable: " + Database.safeUrl(String.valueOf(e.getMessage())));
        }
    }
}
