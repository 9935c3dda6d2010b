package org.orderevents;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** What the e-mails say; {@link EmailOutboxTest} shows that each is delivered once. */
class EmailServiceTest extends OrderEventsTestSupport {

    @Test
    void writesAConfirmationAndAStatusEmailAsEmlFilesNamedAfterTheirEvents() throws Exception {
        String orderId = UUID.randomUUID().toString();

        String created = sendEvent("orders", "order.created", "user_1", orderCreated(orderId, "user_1", "mug", 2, "9.50"));
        String changed = sendEvent("orders", "order.status_changed", "user_1", Map.of("order_id", orderId,
                "user_id", "user_1", "status", "cancelled", "reason", "asked by the customer", "updated_at", "2026-11-22T11:00:00Z"));

        // both events may come in one poll, so one exchange of the batch route: the count of handled events tells
        awaitHandled("email-service", 2);
        // email-service commits each e-mail to the outbox; the outbox sender writes the files
        awaitOutbox("SELECT COUNT(*) FROM email_outbox WHERE sent_at IS NOT NULL AND event_id IN ('" + created + "', '"
                + changed + "')", sent -> sent == 2);
        String confirmation = Files.readString(outbox().resolve(created + ".eml"));
        assertThat(confirmation).contains("To: user_1@example.com", "Subject: Order " + orderId + " received",
                "2 x mug", "Total: 19.00");
        String status = Files.readString(outbox().resolve(changed + ".eml"));
        assertThat(status).contains("Subject: Order " + orderId + " cancelled", "Reason: asked by the customer");
    }

    private Path outbox() {
        return dataDir.resolve("outbox");
    }
}
