package org.orderevents.email;

import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.apache.camel.Message;
import org.orderevents.db.EventTransaction;
import org.orderevents.db.OutageClassifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The transactional e-mail outbox, table {@code email_outbox}. email-service {@linkplain #add adds} the e-mail of an
 * event on the event's transaction, so the e-mail and the event's {@code processed_events} row commit together: one
 * e-mail per event, and a crash loses neither. The sender route (email-service.camel.yaml) then delivers each unsent
 * row in a transaction of its own: {@link #claim} marks it sent under a row lock, {@link #load} puts it on the message,
 * the delivery runs, the transaction commits. A failed delivery rolls the mark back and is {@linkplain #failed counted};
 * the row waits for the next round. A crash after the delivery and before the commit delivers that e-mail once more:
 * at least once from the outbox.
 */
public class EmailOutbox {

    private static final Logger LOG = LoggerFactory.getLogger(EmailOutbox.class);
    /** Rows per sender round: bounds the round when the mail server is slow; the next round takes the rest. */
    private static final int ROUND = 100;
    /** Back-off of an e-mail whose delivery failed: 1 s after the first failure, doubling, at most 5 minutes. */
    static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    static final Duration LONGEST_RETRY = Duration.ofMinutes(5);

    private final DataSource dataSource;

    public EmailOutbox(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** email-service step: the composed e-mail (see {@link OrderEmails#write}) into the outbox, on the event's transaction. */
    public void add(Exchange exchange) {
        Message message = exchange.getMessage();
        // held, and written with the transaction's other e-mails as multi-row INSERTs before it commits
        EventTransaction.requiredScope(exchange).rows("INSERT INTO email_outbox "
                + "(event_id, recipient, sender, subject, body, created_at, attempts) VALUES (?, ?, ?, ?, ?, ?, 0) "
                + "ON CONFLICT DO NOTHING").add(
                message.getHeader("event_id", String.class), message.getHeader("To", String.class),
                message.getHeader("From", String.class), message.getHeader("Subject", String.class),
                message.getBody(String.class), new Timestamp(System.currentTimeMillis()));
    }

    /**
     * The event ids of up to 100 unsent e-mails that are due (new, or past their back-off), fewest attempts first, so
     * one that keeps failing never holds back new ones.
     */
    public List<String> unsent() throws SQLException {
        List<String> eventIds = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement("SELECT event_id FROM email_outbox WHERE sent_at IS NULL "
                     + "AND (retry_at IS NULL OR retry_at <= ?) ORDER BY attempts, created_at LIMIT " + ROUND)) {
            select.setTimestamp(1, new Timestamp(System.currentTimeMillis()));
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    eventIds.add(rows.getString(1));
                }
            }
        } catch (SQLException e) {
            if (!OutageClassifier.isOutage(e)) {
                throw e;
            }
            // the e-mails wait for the database (its health check says so): no error every round meanwhile
            LOG.debug("The e-mail outbox waits for the database: {}", e.getMessage());
        }
        return eventIds;
    }

    /** The e-mails not sent yet (gauge {@code order_events_email_outbox_size}); NaN while the database is unreachable. */
    public double size() {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement count = connection.prepareStatement("SELECT COUNT(*) FROM email_outbox WHERE sent_at IS NULL");
             ResultSet rows = count.executeQuery()) {
            return rows.next() ? rows.getLong(1) : 0;
        } catch (SQLException e) {
            return Double.NaN;
        }
    }

    /**
     * Marks the e-mail sent, in the exchange's transaction; false if it already is. The UPDATE locks the row: another
     * instance sending the same row waits for this transaction, then matches nothing and skips it.
     */
    public boolean claim(@Header("event_id") String eventId, Exchange exchange) throws SQLException {
        try (PreparedStatement update = EventTransaction.required(exchange).prepareStatement(
                "UPDATE email_outbox SET sent_at = ? WHERE event_id = ? AND sent_at IS NULL")) {
            update.setTimestamp(1, new Timestamp(System.currentTimeMillis()));
            update.setString(2, eventId);
            return update.executeUpdate() == 1;
        }
    }

    /** Puts the claimed e-mail on the message, as the delivery route (direct:deliver-email) reads it. */
    public void load(@Header("event_id") String eventId, Exchange exchange) throws SQLException {
        try (PreparedStatement select = EventTransaction.required(exchange).prepareStatement(
                "SELECT sender, recipient, subject, body FROM email_outbox WHERE event_id = ?")) {
            select.setString(1, eventId);
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    throw new IllegalStateException("e-mail of event " + eventId + " is not in the outbox");
                }
                OrderEmails.write(exchange.getMessage(), eventId, row.getString(1), row.getString(2), row.getString(3),
                        row.getString(4));
            }
        }
    }

    /**
     * After a failed delivery (its transaction rolled back): counts the attempt and sets when the e-mail is due again;
     * it stays in the outbox until then.
     */
    public void failed(@Header("event_id") String eventId, Exchange exchange) throws SQLException {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (OutageClassifier.isOutage(cause)) {
            // not the delivery's failure: counted, a long outage would push the e-mail minutes past the database's return
            LOG.debug("E-mail of event {} waits for the database: {}", eventId, describe(cause));
            return;
        }
        Duration wait;
        // statements of their own, committed at once: the delivery's transaction, and its sent_at, were rolled back
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement("SELECT attempts FROM email_outbox WHERE event_id = ?");
             PreparedStatement update = connection.prepareStatement(
                     "UPDATE email_outbox SET attempts = ?, retry_at = ? WHERE event_id = ? AND sent_at IS NULL")) {
            select.setString(1, eventId);
            int attempts;
            try (ResultSet row = select.executeQuery()) {
                attempts = row.next() ? row.getInt(1) + 1 : 1;
            }
            wait = backOff(attempts);
            update.setInt(1, attempts);
            update.setTimestamp(2, new Timestamp(System.currentTimeMillis() + wait.toMillis()));
            update.setString(3, eventId);
            update.executeUpdate();
        }
        LOG.warn("E-mail of event {} not delivered, tried again in {} s: {}", eventId, wait.toSeconds(), describe(cause));
    }

    /** How long an e-mail waits after its {@code attempts}-th failed delivery. */
    static Duration backOff(int attempts) {
        Duration wait = FIRST_RETRY.multipliedBy(1L << Math.min(Math.max(attempts - 1, 0), 20));
        return wait.compareTo(LONGEST_RETRY) > 0 ? LONGEST_RETRY : wait;
    }

    private static String describe(Throwable failure) {
        if (failure == null) {
            return "unknown failure";
        }
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == failure ? failure.toString() : failure.getMessage() + " (" + root + ")";
    }
}
