package org.orderevents;

import org.apache.camel.builder.NotifyBuilder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.util.Map;
import java.util.UUID;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/** The SMTP server refuses connections: each e-mail is retried, then dead-lettered, and leaves no processed record. */
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
    void anEmailThatCannotBeSentIsRetriedThenDeadLettered() throws Exception {
        String orderId = UUID.randomUUID().toString();
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("email-service").whenDone(1).create();

        String eventId = sendEvent("orders", "order.created", "user_1", orderCreated(orderId, "user_1", "mug", 1, "9"));

        assertThat(done.matches(30, SECONDS)).isTrue();
        ConsumerRecord<byte[], byte[]> letter = records("orders.dlq", r -> text(r.value()).contains(orderId)
                && "email-service".equals(header(r, "dlq.consumer.group")), 1, java.time.Duration.ofSeconds(30)).get(0);
        assertThat(header(letter, "dlq.route")).isEqualTo("email-service");
        assertThat(header(letter, "dlq.attempts")).as("1 attempt + 3 retries").isEqualTo("4");
        assertThat(header(letter, "dlq.exception.stacktrace")).contains("Connection refused");
        assertThat(queryLong("SELECT COUNT(*) FROM processed_events WHERE processor_name = 'email-service' AND event_id = '"
                + eventId + "'")).as("a replay of it will send the e-mail").isZero();
        assertThat(Files.exists(dataDir.resolve("outbox"))).as("no .eml fallback when SMTP is configured").isFalse();
    }
}
