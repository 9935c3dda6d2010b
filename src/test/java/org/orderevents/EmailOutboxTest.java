package org.orderevents;

import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/** email-service writes each e-mail into the outbox table with its processed id; the sender delivers each row once. */
class EmailOutboxTest extends OrderEventsTestSupport {

    @Test
    void anOrderCreatedAndAStatusChangeGiveOneOutboxRowAndOneEmlFileEach() throws Exception {
        String orderId = UUID.randomUUID().toString();
        // the order's inventory result comes back as a second event: order-service's order.status_changed (confirmed);
        // then it is shipped, which its lifecycle allows once it is confirmed
        String created = sendEvent("orders", "order.created", "user_2", orderCreated(orderId, "user_2", "mug", 1, "12"));
        awaitRounds("order-service", "SELECT COUNT(*) FROM orders WHERE status = 'confirmed' AND order_id = '" + orderId + "'",
                confirmed -> confirmed == 1);
        String changed = sendEvent("orders", "order.status_changed", "user_2", Map.of("order_id", orderId,
                "user_id", "user_2", "status", "shipped", "updated_at", "2026-11-22T11:00:00Z"));

        awaitHandled("email-service", 3);
        for (String eventId : List.of(created, changed)) {
            assertThat(queryLong("SELECT COUNT(*) FROM email_outbox WHERE event_id = '" + eventId + "'"))
                    .as("committed with the event").isEqualTo(1);
            assertThat(queryLong("SELECT COUNT(*) FROM processed_events WHERE processor_name = 'email-service' "
                    + "AND event_id = '" + eventId + "'")).isEqualTo(1);
        }
        assertThat(queryLong("SELECT COUNT(*) FROM email_outbox")).isEqualTo(3);
        awaitOutbox("SELECT COUNT(*) FROM email_outbox WHERE sent_at IS NOT NULL", sent -> sent == 3);
        assertThat(queryLong("SELECT SUM(attempts) FROM email_outbox")).isZero();
        assertThat(queryLong("SELECT COUNT(*) FROM email_outbox WHERE event_id = '" + changed + "' "
                + "AND recipient = 'user_2@example.com' AND subject = 'Order " + orderId + " shipped'")).isEqualTo(1);
        List<String> files;
        try (var list = Files.list(outbox())) {
            files = list.map(file -> file.getFileName().toString()).toList();
        }
        assertThat(files).as("one file per row").hasSize(3).contains(created + ".eml", changed + ".eml");
    }

    @Test
    void aDuplicateEventGivesOneRowAndOneDelivery() throws Exception {
        String eventId = UUID.randomUUID().toString();
        String event = envelope(eventId, "order.status_changed", Map.of("order_id", "o-1", "user_id", "user_5",
                "status", "cancelled", "updated_at", "2026-11-22T10:00:00Z"));

        send("orders", "user_5", event, Map.of());
        send("orders", "user_5", event, Map.of());

        awaitHandled("email-service", 2);
        assertThat(queryLong("SELECT COUNT(*) FROM email_outbox")).isEqualTo(1);
        awaitOutbox("SELECT COUNT(*) FROM email_outbox WHERE sent_at IS NOT NULL", sent -> sent == 1);
        Path eml = outbox().resolve(eventId + ".eml");
        FileTime delivered = Files.getLastModifiedTime(eml);

        // two more rounds of the sender: a sent row is never claimed again, so the file is not written again
        for (int round = 0; round < 2; round++) {
            assertThat(new NotifyBuilder(context).fromRoute("email-outbox-sender").whenDone(1).create().matches(5, SECONDS))
                    .isTrue();
        }
        assertThat(Files.getLastModifiedTime(eml)).as("delivered once").isEqualTo(delivered);
        try (var files = Files.list(outbox())) {
            assertThat(files.count()).isEqualTo(1);
        }
    }

    @Test
    void aDeliveryThatFailsLeavesTheOthersOfItsRoundSent() throws Exception {
        List<String> eventIds = List.of(UUID.randomUUID().toString(), UUID.randomUUID().toString(), UUID.randomUUID().toString());
        String failing = eventIds.get(1);
        // a directory where the .eml file should go: that one delivery fails, the file component cannot write over it
        Path blocked = Files.createDirectories(outbox().resolve(failing + ".eml"));
        for (String eventId : eventIds) {
            send("orders", "user_6", envelope(eventId, "order.status_changed", Map.of("order_id", "o-" + eventId,
                    "user_id", "user_6", "status", "cancelled", "updated_at", "2026-11-22T10:00:00Z")), Map.of());
        }

        awaitOutbox("SELECT COUNT(*) FROM email_outbox WHERE sent_at IS NULL AND attempts >= 1 AND event_id = '" + failing + "'",
                failed -> failed == 1);
        awaitOutbox("SELECT COUNT(*) FROM email_outbox WHERE sent_at IS NOT NULL", sent -> sent == 2);
        assertThat(queryLong("SELECT SUM(attempts) FROM email_outbox WHERE event_id <> '" + failing + "'"))
                .as("the others delivered at their first attempt").isZero();
        assertThat(outbox().resolve(eventIds.get(0) + ".eml")).isRegularFile();
        assertThat(outbox().resolve(eventIds.get(2) + ".eml")).isRegularFile();

        // the way is clear again: a later round, past the back-off, delivers it
        Files.delete(blocked);
        awaitOutbox("SELECT COUNT(*) FROM email_outbox WHERE sent_at IS NOT NULL", sent -> sent == 3);
        assertThat(outbox().resolve(failing + ".eml")).isRegularFile();
    }

    private Path outbox() {
        return dataDir.resolve("outbox");
    }
}
