package org.orderevents.email;

import jakarta.mail.Message.RecipientType;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.util.StreamProvider;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.orderevents.event.Event;
import org.orderevents.event.OrderCreated;
import org.orderevents.event.OrderItem;
import org.orderevents.event.OrderStatusChanged;
import org.orderevents.order.OrderBook;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.io.IOException;
import java.sql.SQLException;
import java.util.Date;
import java.util.Properties;
import java.util.ServiceLoader;

/**
 * email-service: writes the e-mail that answers an event. The route puts it in the {@link EmailOutbox}; the outbox
 * sender hands it to camel-mail (SMTP) or, with no SMTP server configured, to an .eml file named after the event, so a
 * repeated delivery overwrites rather than duplicates.
 */
public class OrderEmails {

    /**
     * The mail session the .eml files are written with: one for all, since making one reads Jakarta Mail's provider lists
     * from the class path each time.
     */
    private static final Session SESSION = Session.getInstance(new Properties());

    static {
        // Jakarta Mail looks its stream provider up through a ServiceLoader at every message it writes (7 % of the
        // application's CPU with every service on H2, JFR); found once here, the system property names it from then on
        String property = StreamProvider.class.getName();
        if (System.getProperty(property) == null) {
            ServiceLoader.load(StreamProvider.class, OrderEmails.class.getClassLoader()).findFirst()
                    .ifPresent(provider -> System.setProperty(property, provider.getClass().getName()));
        }
    }

    private final String from;
    private final String recipientDomain;

    public OrderEmails(String from, String recipientDomain) {
        this.from = from;
        this.recipientDomain = recipientDomain;
    }

    public void confirmation(Event<OrderCreated> event, Exchange exchange) {
        OrderCreated order = event.data();
        StringBuilder text = new StringBuilder()
                .append("Hello ").append(order.userId()).append(",\n\n")
                .append("thank you for your order ").append(order.orderId()).append(".\n\n");
        for (OrderItem item : order.items()) {
            text.append("  ").append(item.quantity()).append(" x ").append(item.name())
                    .append(" (").append(item.productId()).append(") at ").append(money(item.price())).append('\n');
        }
        text.append("\nTotal: ").append(money(order.total())).append("\n\nWe will write again when your order is confirmed.\n");
        compose(exchange, event, order.userId(), "Order " + order.orderId() + " received", text.toString());
    }

    /**
     * A status change that names no user (other producers may leave user_id out) goes to the order's user in the orders
     * table; while order-service has not recorded the order, the event is retried as an unknown order, then dead-lettered.
     */
    public void statusUpdate(Event<OrderStatusChanged> event, Exchange exchange) throws SQLException {
        OrderStatusChanged change = event.data();
        String userId = change.userId() != null ? change.userId() : OrderBook.userOf(change.orderId(), exchange);
        String text = "Hello " + userId + ",\n\nyour order " + change.orderId() + " is now " + change.status() + "."
                + (change.reason() != null ? "\nReason: " + change.reason() : "") + "\n";
        compose(exchange, event, userId, "Order " + change.orderId() + " " + change.status(), text);
    }

    private void compose(Exchange exchange, Event<?> event, String userId, String subject, String text) {
        write(exchange.getMessage(), event.eventId(), from, recipient(userId), subject, text);
    }

    /**
     * Puts an e-mail on the message the way camel-mail (SMTP) and {@link #eml} read it: mail headers, text as body. The
     * Message-ID is derived from the event, so a repeated delivery is recognisably the same e-mail.
     */
    public static void write(Message message, String eventId, String from, String to, String subject, String text) {
        // camel-mail turns every message header into a mail header: keep only the mail's own
        message.removeHeaders("*");
        message.setHeader("event_id", eventId);
        message.setHeader("From", from);
        message.setHeader("To", to);
        message.setHeader("Subject", subject);
        message.setHeader("Message-ID", "<" + eventId + "@order-events>");
        message.setBody(text);
    }

    private static BigDecimal money(BigDecimal amount) {
        return amount.setScale(2, RoundingMode.HALF_UP);
    }

    private String recipient(String userId) {
        return userId.contains("@") ? userId : userId + "@" + recipientDomain;
    }

    /** The composed e-mail as an RFC 5322 message, the content of an .eml file. */
    public byte[] eml(Exchange exchange) throws MessagingException, IOException {
        Message message = exchange.getMessage();
        MimeMessage mail = new MimeMessage(SESSION) {
            @Override
            protected void updateMessageID() throws MessagingException {
                setHeader("Message-ID", message.getHeader("Message-ID", String.class));
            }
        };
        mail.setFrom(new InternetAddress(message.getHeader("From", String.class)));
        mail.setRecipient(RecipientType.TO, new InternetAddress(message.getHeader("To", String.class)));
        mail.setSubject(message.getHeader("Subject", String.class), "UTF-8");
        mail.setSentDate(new Date());
        mail.setText(message.getBody(String.class), "UTF-8");
        mail.saveChanges();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        mail.writeTo(out);
        return out.toByteArray();
    }
}
