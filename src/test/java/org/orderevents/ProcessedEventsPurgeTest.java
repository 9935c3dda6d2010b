package org.orderevents;

import org.junit.jupiter.api.Test;
import org.orderevents.db.Retention;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Processed ids and sent e-mails older than the retention (14 days) go, in batches of 1000 rows; nothing else does. */
class ProcessedEventsPurgeTest extends OrderEventsTestSupport {

    /** Just past the default retention (14 days), and just within it. */
    private static final Instant PAST_RETENTION = Instant.now().minus(Duration.ofDays(15));
    private static final Instant WITHIN_RETENTION = Instant.now().minus(Duration.ofDays(13));

    @Override
    protected Map<String, String> overrideProperties() {
        return Map.of("processed-events.purge-interval", "200");
    }

    @Test
    void purgesExactlyTheRowsOlderThanTheRetentionInBatches() throws Exception {
        // the purge is called directly here: its timer must not take the rows first
        context.getRouteController().stopRoute("processed-events-purge");
        processed("email-service", "old-", 1500, PAST_RETENTION);
        processed("order-service", "old-", 1000, PAST_RETENTION);
        processed("email-service", "recent-", 5, WITHIN_RETENTION);
        processed("order-service", "new-", 5, Instant.now());
        email("sent-long-ago", PAST_RETENTION, PAST_RETENTION);
        email("sent-lately", PAST_RETENTION, WITHIN_RETENTION);
        email("never-sent", PAST_RETENTION, null);

        long purged = context.getRegistry().lookupByNameAndType("retention", Retention.class).purge();

        assertThat(purged).as("2500 processed ids, three batches' worth, and one e-mail").isEqualTo(2501);
        assertThat(queryLong("SELECT COUNT(*) FROM processed_events WHERE event_id LIKE 'old-%'")).isZero();
        assertThat(queryLong("SELECT COUNT(*) FROM processed_events WHERE event_id LIKE 'recent-%'")).isEqualTo(5);
        assertThat(queryLong("SELECT COUNT(*) FROM processed_events WHERE event_id LIKE 'new-%'")).isEqualTo(5);
        assertThat(queryLong("SELECT COUNT(*) FROM email_outbox WHERE event_id = 'sent-long-ago'")).isZero();
        assertThat(queryLong("SELECT COUNT(*) FROM email_outbox WHERE event_id = 'sent-lately'")).isEqualTo(1);
        assertThat(queryLong("SELECT COUNT(*) FROM email_outbox WHERE event_id = 'never-sent'"))
                .as("an e-mail not sent yet is kept, however old").isEqualTo(1);
    }

    @Test
    void theTimerRoutePurgesOnItsOwn() throws Exception {
        processed("inventory-service", "old-", 1200, PAST_RETENTION);
        processed("inventory-service", "new-", 3, Instant.now());

        awaitRounds("processed-events-purge", "SELECT COUNT(*) FROM processed_events WHERE event_id LIKE 'old-%'",
                old -> old == 0);

        assertThat(queryLong("SELECT COUNT(*) FROM processed_events WHERE event_id LIKE 'new-%'")).isEqualTo(3);
    }

    private void processed(String group, String prefix, int count, Instant at) throws SQLException {
        try (Connection connection = dataSource().getConnection(); PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO processed_events (processor_name, event_id, processed_at) VALUES (?, ?, ?)")) {
            for (int i = 0; i < count; i++) {
                insert.setString(1, group);
                insert.setString(2, prefix + group + "-" + i);
                insert.setTimestamp(3, Timestamp.from(at));
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    private void email(String eventId, Instant created, Instant sent) throws SQLException {
        try (Connection connection = dataSource().getConnection(); PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO email_outbox (event_id, recipient, sender, subject, body, created_at, sent_at, attempts) "
                        + "VALUES (?, 'user_1@example.com', 'orders@order-events.local', 'Order o-1 received', 'Hello', ?, ?, 0)")) {
            insert.setString(1, eventId);
            insert.setTimestamp(2, Timestamp.from(created));
            insert.setTimestamp(3, sent == null ? null : Timestamp.from(sent));
            insert.executeUpdate();
        }
    }

    private DataSource dataSource() {
        return context.getRegistry().lookupByNameAndType("dataSource", DataSource.class);
    }
}
