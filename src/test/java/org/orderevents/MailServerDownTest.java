package org.orderevents;

import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SMTP server refuses connections: the event is processed all the same (its e-mail is committed to the outbox) and
 * not dead-lettered; the outbox sender retries the e-mail after a back-off (1 s, doubling) and delivers it once the mail route works.
 */
class MailServerDownTest extends OrderEventsTestSupport {

    @Override
    protected Map<String, String> overrideProperties() {
        try (ServerSocket socket = new ServerSocket(0)) {
            // nothing listens on this port once the socket is closed: every connection is refused
            return Map.of("email.smtp.host", "localhost", "email.smtp.port", String.valueOf(socket.getLocalPort()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void anEmailThatCannotBeSentStaysInTheOutboxAndIsRetriedAfterABackOff() throws Exception {
        String orderId = UUID.randomUUID().toString();
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("email-service").whenDone(1).create();

        String eventId = sendEvent("orders", "order.created", "user_1", orderCreated(orderId, "user_1", "mug", 1, "9"));

        assertThat(done.matches(30, SECONDS)).isTrue();
        assertThat(queryLong("SELECT COUNT(*) FROM processed_events WHERE processor_name = 'email-service' AND event_id = '"
                + eventId + "'")).as("the event is processed: its e-mail is committed to the outbox").isEqualTo(1);
        String row = " FROM email_outbox WHERE event_id = '" + eventId + "'";
        long failed = awaitOutbox("SELECT attempts" + row, attempts -> attempts >= 1);
        assertThat(queryLong("SELECT COUNT(*)" + row + " AND retry_at > created_at")).as("due again after a back-off").isEqualTo(1);
        awaitOutbox("SELECT attempts" + row, attempts -> attempts > failed);
        assertThat(queryLong("SELECT COUNT(*)" + row + " AND sent_at IS NULL")).as("still waiting to be sent").isEqualTo(1);
        assertThat(records("orders.dlq", r -> text(r.value()).contains(orderId)
                && "email-service".equals(header(r, "dlq.consumer.group")), 1, Duration.ofSeconds(2)))
                .as("a mail server that is down is the outbox's business, not the event's: no dead letter").isEmpty();
        assertThat(Files.exists(dataDir.resolve("outbox"))).as("no .eml fallback when SMTP is configured").isFalse();

        // the mail route works again (here: no SMTP host, so the .eml fallback): the next round delivers the e-mail
        context.getPropertiesComponent().addOverrideProperty("email.smtp.host", "");
        awaitOutbox("SELECT COUNT(*)" + row + " AND sent_at IS NOT NULL", sent -> sent == 1);
        assertThat(dataDir.resolve("outbox").resolve(eventId + ".eml")).exists();
    }
}
