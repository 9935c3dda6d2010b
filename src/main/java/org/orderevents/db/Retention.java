package org.orderevents.db;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.List;

/**
 * Retention (route processed-events-purge): deletes the processed ids ({@code processed_events}), the sent e-mails
 * ({@code email_outbox}) and the order API's idempotency keys older than {@code processed-events.retention}. Unsent e-mails are never deleted. Each DELETE
 * takes at most {@code batchSize} rows and commits on its own, so a large backlog never becomes one long transaction
 * holding many locks; the same statements run on H2 and PostgreSQL (a DELETE has no LIMIT of its own there).
 */
public class Retention {

    private static final Logger LOG = LoggerFactory.getLogger(Retention.class);
    private static final String PROCESSED_EVENTS = "DELETE FROM processed_events WHERE (processor_name, event_id) IN "
            + "(SELECT processor_name, event_id FROM processed_events WHERE processor_name = ? AND processed_at < ? "
            + "ORDER BY processed_at LIMIT ?)";
    private static final String SENT_EMAILS = "DELETE FROM email_outbox WHERE event_id IN "
            + "(SELECT event_id FROM email_outbox WHERE sent_at < ? ORDER BY sent_at LIMIT ?)";

    private static final String IDEMPOTENCY_KEYS = "DELETE FROM idempotency_keys WHERE idempotency_key IN "
            + "(SELECT idempotency_key FROM idempotency_keys WHERE created_at < ? ORDER BY created_at LIMIT ?)";

    private final DataSource dataSource;
    private final Duration retention;
    private final int batchSize;
    private final List<String> processors;
    private final boolean sentEmails;
    private final boolean idempotencyKeys;

    /**
     * Purges what the services of this process wrote: the processed ids of {@code processors}, the sent e-mails (when
     * this process runs email-service) and the idempotency keys (when it runs the order API).
     */
    public Retention(DataSource dataSource, Duration retention, int batchSize, List<String> processors, boolean sentEmails,
            boolean idempotencyKeys) {
        if (retention.isNegative() || retention.isZero() || batchSize < 1) {
            throw new IllegalArgumentException("retention must be positive and the batch size at least 1: " + retention + ", " + batchSize);
        }
        this.dataSource = dataSource;
        this.retention = retention;
        this.batchSize = batchSize;
        this.processors = List.copyOf(processors);
        this.sentEmails = sentEmails;
        this.idempotencyKeys = idempotencyKeys;
    }

    /** Deletes every row older than the retention, batch by batch; returns how many rows went. */
    public long purge() throws SQLException {
        Timestamp cutoff = new Timestamp(databaseNow().getTime() - retention.toMillis());
        long processed = 0;
        for (String processor : processors) {
            processed += deleteAll(PROCESSED_EVENTS, processor, cutoff);
        }
        long sent = sentEmails ? deleteAll(SENT_EMAILS, null, cutoff) : 0;
        long keys = idempotencyKeys ? deleteAll(IDEMPOTENCY_KEYS, null, cutoff) : 0;
        if (processed + sent + keys > 0) {
            LOG.info("Purged {} processed ids, {} sent e-mails and {} idempotency keys from before {} (retention {})", processed,
                    sent, keys, cutoff.toInstant(), retention);
        }
        return processed + sent + keys;
    }

    /** The database's clock, the one processed_at was written with: the cut-off does not depend on this host's. */
    private Timestamp databaseNow() throws SQLException {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement("SELECT LOCALTIMESTAMP");
             java.sql.ResultSet rows = select.executeQuery()) {
            rows.next();
            return rows.getTimestamp(1);
        }
    }

    /** Deletes in batches: {@code processor} is the first parameter of the statement, when it has one. */
    private long deleteAll(String delete, String processor, Timestamp cutoff) throws SQLException {
        long total = 0;
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement(delete)) {
            // autocommit: each batch commits alone, and a failure keeps what was purged before it
            connection.setAutoCommit(true);
            int index = 1;
            if (processor != null) {
                statement.setString(index++, processor);
            }
            statement.setTimestamp(index++, cutoff);
            statement.setInt(index, batchSize);
            int deleted;
            do {
                deleted = statement.executeUpdate();
                total += deleted;
                // until a DELETE finds nothing: H2 may take fewer than the limit while older rows remain
            } while (deleted > 0);
        }
        return total;
    }
}
