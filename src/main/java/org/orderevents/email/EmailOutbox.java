package org.orderevents.email;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.ProducerTemplate;
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
 * e-mail per event, and a crash loses neither. The sender route (email-service.camel.yaml) delivers the unsent rows in
 * {@linkplain #deliverRound rounds} of up to 500, a transaction per round. A crash before a round commits delivers its
 * e-mails once more: at least once from the outbox.
 */
public class EmailOutbox {

    private static final Logger LOG = LoggerFactory.getLogger(EmailOutbox.class);
    /** Rows per sender round: few commits (each writes the pages it changed, on H2), and a bound on what a crash repeats. */
    private static final int ROUND = 500;
    /** A round's e-mails; sent_at first in the ORDER BY, as in index email_outbox_due, so they come in its order, unsorted. */
    static final String DUE = "SELECT event_id, sender, recipient, subject, body, attempts FROM email_outbox "
            + "WHERE sent_at IS NULL AND (retry_at IS NULL OR retry_at <= ?) ORDER BY sent_at, attempts, created_at LIMIT " + ROUND;
    /** The route that delivers one e-mail (SMTP or an .eml file). */
    private static final String DELIVERY = "direct:deliver-email";
    /** Back-off of an e-mail whose delivery failed: 1 s after the first failure, doubling, at most 5 minutes. */
    static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    static final Duration LONGEST_RETRY = Duration.ofMinutes(5);

    private final DataSource dataSource;
    private final ProducerTemplate deliveries;

    public EmailOutbox(DataSource dataSource, ProducerTemplate deliveries) {
        this.dataSource = dataSource;
        this.deliveries = deliveries;
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

    /** An unsent e-mail of the outbox, as a round of the sender holds it. */
    private record Email(String eventId, String sender, String recipient, String subject, String body, int attempts) {
    }

    /**
     * A round of the sender (route email-outbox-sender), in a transaction of its own: up to 500 unsent e-mails that
     * are due, {@linkplain #claim claimed}, each delivered through direct:deliver-email; a failed one is counted and
     * waits out its back-off, and the round commits. A round that cannot commit (the database away) leaves every
     * e-mail of it unsent, so the next round delivers them again. True when the round was full: more may be due.
     * <p>
     * Java rather than a split in the route: a delivery that failed must still let the round commit the others, and
     * the route's transaction policy rolls back on any exception caught inside it.
     */
    public boolean deliverRound() {
        try {
            return EventTransaction.inTransaction(dataSource, scope -> {
                Connection connection = scope.connection();
                List<Email> due = due(connection);
                for (Email email : claim(connection, due)) {
                    Exchange delivery = deliveries.send(DELIVERY, exchange -> OrderEmails.write(exchange.getMessage(),
                            email.eventId(), email.sender(), email.recipient(), email.subject(), email.body()));
                    if (delivery.getException() != null) {
                        failed(connection, email, delivery.getException());
                    }
                }
                return due.size() == ROUND;
            });
        } catch (Exception e) {
            if (OutageClassifier.isOutage(e)) {
                // the e-mails wait for the database (its health check says so): no error every round meanwhile
                LOG.debug("The e-mail outbox waits for the database: {}", describe(e));
            } else {
                LOG.warn("A round of the e-mail outbox did not commit; its e-mails are delivered again: {}", describe(e));
            }
            return false;
        }
    }

    /**
     * Up to 500 unsent e-mails that are due (new, or past their back-off), fewest attempts first, so one that keeps
     * failing never holds back new ones.
     */
    private static List<Email> due(Connection connection) throws SQLException {
        List<Email> emails = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement(DUE)) {
            select.setTimestamp(1, new Timestamp(System.currentTimeMillis()));
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    emails.add(new Email(rows.getString(1), rows.getString(2), rows.getString(3), rows.getString(4),
                            rows.getString(5), rows.getInt(6)));
                }
            }
        }
        return emails;
    }

    /**
     * Marks the e-mails sent in the round's transaction and returns those it marked: the UPDATE locks each row, so
     * another instance's round that reaches one waits for this commit, then finds it sent and skips it.
     */
    private static List<Email> claim(Connection connection, List<Email> emails) throws SQLException {
        if (emails.isEmpty()) {
            return emails;
        }
        int[] marked;
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE email_outbox SET sent_at = ? WHERE event_id = ? AND sent_at IS NULL")) {
            Timestamp now = new Timestamp(System.currentTimeMillis());
            for (Email email : emails) {
                update.setTimestamp(1, now);
                update.setString(2, email.eventId());
                update.addBatch();
            }
            marked = update.executeBatch();
        }
        List<Email> claimed = new ArrayList<>();
        for (int i = 0; i < emails.size(); i++) {
            if (marked[i] == 1) {
                claimed.add(emails.get(i));
            }
        }
        return claimed;
    }

    /** A failed delivery: unsent again in the round, its attempt counted, due again after its back-off. */
    private static void failed(Connection connection, Email email, Exception cause) throws SQLException {
        int attempts = email.attempts() + 1;
        Duration wait = backOff(attempts);
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE email_outbox SET sent_at = NULL, attempts = ?, retry_at = ? WHERE event_id = ?")) {
            update.setInt(1, attempts);
            update.setTimestamp(2, new Timestamp(System.currentTimeMillis() + wait.toMillis()));
            update.setString(3, email.eventId());
            update.executeUpdate();
        }
        LOG.warn("E-mail of event {} not delivered, tried again in {} s: {}", email.eventId(), wait.toSeconds(), describe(cause));
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
