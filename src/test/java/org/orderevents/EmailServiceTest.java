package org.orderevents;

import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

class EmailServiceTest extends OrderEventsTestSupport {

    @Test
    void writesAConfirmationAndAStatusEmailAsEmlFilesNamedAfterTheirEvents() throws Exception {
        String orderId = UUID.randomUUID().toString();
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("email-service").whenCompleted(2).create();

        String created = sendEvent("orders", "order.created", "user_1", orderCreated(orderId, "user_1", "mug", 2, "9.50"));
        String changed = sendEvent("orders", "order.status_changed", "user_1", Map.of("order_id", orderId,
                "user_id", "user_1", "status", "shipped", "reason", "left the warehouse", "updated_at", "2026-11-22T11:00:00Z"));

        assertThat(done.matches(30, SECONDS)).isTrue();
        String confirmation = Files.readString(outbox().resolve(created + ".eml"));
        assertThat(confirmation).contains("To: user_1@example.com", "Subject: Order " + orderId + " received",
                "2 x mug", "Total: 19.00");
        String status = Files.readString(outbox().resolve(changed + ".eml"));
        assertThat(status).contains("Subject: Order " + orderId + " shipped", "Reason: left the warehouse");
    }

    @Test
    void aDuplicateEventSendsOneEmail() throws Exception {
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("email-service").whenCompleted(2).create();
        NotifyBuilder delivered = new NotifyBuilder(context).fromRoute("email-service").wereSentTo("direct:deliver-email")
                .whenDone(1).create();
        String event = "{\"event_id\":\"" + UUID.randomUUID() + "\",\"event_type\":\"order.status_changed\","
                + "\"timestamp\":\"2026-11-22T10:00:00Z\",\"data\":{\"order_id\":\"o-1\",\"user_id\":\"user_5\","
                + "\"status\":\"cancelled\",\"updated_at\":\"2026-11-22T10:00:00Z\"}}";

        send("orders", "user_5", event, Map.of());
        send("orders", "user_5", event, Map.of());

        assertThat(done.matches(30, SECONDS)).isTrue();
        assertThat(delivered.matches(1, SECONDS)).isTrue();
        assertThat(new NotifyBuilder(context).fromRoute("email-service").wereSentTo("direct:deliver-email").whenDone(2)
                .create().matches(1, SECONDS))
                .as("the second delivery never happens").isFalse();
        try (var files = Files.list(outbox())) {
            assertThat(files.count()).isEqualTo(1);
        }
    }

    private Path outbox() {
        return dataDir.resolve("outbox");
    }
}
