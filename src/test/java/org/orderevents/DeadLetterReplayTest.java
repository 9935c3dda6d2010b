package org.orderevents;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.orderevents.api.AdminToken;
import org.orderevents.event.EventCodec;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/** GET /dlq lists dead letters; POST /dlq/replay, with the admin token, sends them back and the failed group processes them once. */
class DeadLetterReplayTest extends OrderEventsTestSupport {

    private static final String TOKEN = "test-admin-token";

    @Override
    protected Map<String, String> overrideProperties() {
        return Map.of("admin.token", TOKEN);
    }

    @Override
    protected void doPreSetup() throws Exception {
        super.doPreSetup();
        if (getCurrentTestName().startsWith("withoutAConfiguredToken")) {
            // this test starts like a first run: no admin.token, so the application makes its own under data.dir
            camelContextConfiguration().useOverridePropertiesWithPropertiesComponent().put("admin.token", "");
        }
    }

    @Test
    void listsTheDeadLettersOfATopicWithTheirHeaders() throws Exception {
        String marker = "not-json-" + UUID.randomUUID();
        send("orders", "user_9", "{" + marker, Map.of("trace", "abc", "note", "café ✓ 注文"));
        // one dead letter per consumer group of orders
        List<ConsumerRecord<byte[], byte[]>> written = deadLetters("orders", marker, 4);
        assertThat(written).hasSize(4);

        HttpResponse<String> response = http("GET", "/dlq?topic=orders.dlq&limit=4", null);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        JsonNode letters = json(response.body());
        assertThat(letters).hasSize(4);
        List<String> groups = new ArrayList<>();
        for (JsonNode letter : letters) {
            assertThat(letter.get("topic").asText()).isEqualTo("orders.dlq");
            assertThat(letter.get("key").asText()).isEqualTo("user_9");
            assertThat(letter.get("value").asText()).isEqualTo("{" + marker);
            JsonNode headers = letter.get("headers");
            assertThat(headers.get("trace").asText()).as("original headers").isEqualTo("abc");
            assertThat(headers.get("note").asText()).as("a non-ASCII original header, kept as UTF-8").isEqualTo("café ✓ 注文");
            assertThat(headers.get("dlq.original.topic").asText()).isEqualTo("orders");
            assertThat(headers.get("dlq.exception.class").asText()).isEqualTo("org.orderevents.event.InvalidEventException");
            assertThat(headers.get("dlq.attempts").asText()).isEqualTo("1");
            groups.add(headers.get("dlq.consumer.group").asText());
        }
        assertThat(groups).containsExactlyInAnyOrderElementsOf(TestBroker.groupsReading("orders"));
        ConsumerRecord<byte[], byte[]> one = written.get(0);
        assertThat(letters).anySatisfy(letter -> {
            assertThat(letter.get("partition").asInt()).isEqualTo(one.partition());
            assertThat(letter.get("offset").asLong()).isEqualTo(one.offset());
        });
        JsonNode newest = json(http("GET", "/dlq?topic=orders.dlq&limit=1", null).body());
        assertThat(newest).hasSize(1);
        assertThat(newest.get(0).get("value").asText()).as("newest last").isEqualTo("{" + marker);

        Map<String, String> badQueries = Map.of("topic=orders", "topic", "topic=", "topic", "limit=5", "topic",
                "topic=orders.dlq&limit=0", "limit", "topic=orders.dlq&limit=501", "limit", "topic=orders.dlq&limit=many", "limit");
        for (Map.Entry<String, String> bad : badQueries.entrySet()) {
            HttpResponse<String> refused = http("GET", "/dlq?" + bad.getKey(), null);
            assertThat(refused.statusCode()).as(bad.getKey()).isEqualTo(400);
            assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(json(refused.body()).get("field").asText()).as(bad.getKey()).isEqualTo(bad.getValue());
        }
    }

    @Test
    void refusesAReplayWithoutTheAdminTokenAndPublishesNothing() throws Exception {
        String marker = "not-json-" + UUID.randomUUID();
        send("orders", "user_8", "{" + marker, Map.of());
        assertThat(deadLetters("orders", marker, 1)).isNotEmpty();
        String body = "{\"topic\":\"orders.dlq\"}";

        for (String authorization : new String[] {null, "Bearer wrong-token", "Bearer " + TOKEN + "x", "Basic " + TOKEN, TOKEN}) {
            HttpResponse<String> response = replay(body, authorization);
            assertThat(response.statusCode()).as(String.valueOf(authorization)).isEqualTo(401);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
            assertThat(json(response.body()).get("status").asInt()).isEqualTo(401);
        }
        assertThat(records("orders", r -> text(r.value()).contains(marker), 2, Duration.ofSeconds(3)))
                .as("only the original record, never a replay").hasSize(1);
    }

    @Test
    void replaysADeadLetterThatTheFailedGroupProcessesOnceAndALateResultLeavesTheOrderAsItWas() throws Exception {
        String orderId = UUID.randomUUID().toString();
        String userId = "user-" + UUID.randomUUID();
        // order-service consumes orders before the test starts: an order.created it has not recorded within the inventory
        // result's retries would have that result dead-lettered too
        NotifyBuilder consuming = new NotifyBuilder(context).fromRoute("order-service").whenCompleted(1).create();
        sendEvent("orders", "order.noted", userId, Map.of("order_id", orderId, "user_id", userId));
        assertThat(consuming.matches(30, SECONDS)).isTrue();
        // each event of this user on inventory passes order-service-inventory in turn: the result that fails, the
        // inventory-service's own result, then the two replays
        NotifyBuilder failedAndRejected = new NotifyBuilder(context).fromRoute("order-service-inventory").whenDone(2).create();
        NotifyBuilder firstReplay = new NotifyBuilder(context).fromRoute("order-service-inventory").whenDone(3).create();
        NotifyBuilder secondReplay = new NotifyBuilder(context).fromRoute("order-service-inventory").whenDone(4).create();

        // an inventory result for an order that order-service does not know yet: retried, then dead-lettered
        String reserved = sendEvent("inventory", "inventory.reserved", userId, Map.of("order_id", orderId, "user_id", userId,
                "items", List.of(Map.of("product_id", "mug", "name", "mug", "quantity", 1, "price", 9))));
        ConsumerRecord<byte[], byte[]> letter = deadLetters("inventory", orderId, 1).get(0);
        assertThat(header(letter, "dlq.consumer.group")).isEqualTo("order-service");

        // the order arrives; its product is not in stock, so inventory-service rejects it: rejected is final
        sendEvent("orders", "order.created", userId, orderCreated(orderId, userId, "not-stocked", 1, "9"));
        Poll.until("order.created and its rejection recorded", Duration.ofSeconds(30), () -> "rejected".equals(status(orderId)));
        assertThat(failedAndRejected.matches(30, SECONDS)).isTrue();

        String filter = "{\"topic\":\"inventory.dlq\",\"event_type\":\"inventory.reserved\",\"offsets\":[{\"partition\":"
                + letter.partition() + ",\"offset\":" + letter.offset() + "}]}";
        HttpResponse<String> response = replay(filter, "Bearer " + TOKEN);

        // order-service processes the replayed result (its id was never claimed), and the lifecycle refuses it
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(json(response.body()).get("replayed").asInt()).isEqualTo(1);
        assertThat(firstReplay.matches(30, SECONDS)).isTrue();
        Poll.until("the late result refused", Duration.ofSeconds(30), () -> metric("order_events_lifecycle_refused_total",
                "service", "order-service", "from", "rejected", "to", "confirmed") == 1);
        assertThat(status(orderId)).as("a late result leaves the order as it was").isEqualTo("rejected");
        String replayOf = "inventory.dlq/" + letter.partition() + "/" + letter.offset();
        ConsumerRecord<byte[], byte[]> replayed = records("inventory", r -> replayOf.equals(header(r, "dlq.replay.of")), 1,
                Duration.ofSeconds(30)).get(0);
        assertThat(replayed.value()).as("value bytes unchanged").isEqualTo(letter.value());
        assertThat(replayed.key()).isEqualTo(letter.key());
        assertThat(header(replayed, "event_type")).as("original header").isEqualTo("inventory.reserved");
        assertThat(header(replayed, "dlq.replayed")).isEqualTo("true");
        assertThat(header(replayed, "dlq.original.topic")).as("no dlq.* header of the dead letter").isNull();
        assertThat(queryLong("SELECT COUNT(*) FROM processed_events WHERE processor_name = 'order-service' AND event_id = '"
                + reserved + "'")).isEqualTo(1);

        // a second replay of the same dead letter is a duplicate for order-service
        assertThat(json(replay(filter, "Bearer " + TOKEN).body()).get("replayed").asInt()).isEqualTo(1);

        assertThat(secondReplay.matches(30, SECONDS)).isTrue();
        assertThat(records("inventory", r -> replayOf.equals(header(r, "dlq.replay.of")), 2, Duration.ofSeconds(30))).hasSize(2);
        String derivedId = EventCodec.derivedId(reserved, "order.status_changed");
        assertThat(records("orders", r -> derivedId.equals(header(r, "event_id")), 1, Duration.ofSeconds(3)))
                .as("no status change from the late result").isEmpty();
        assertThat(metric("order_events_lifecycle_refused_total", "service", "order-service", "from", "rejected", "to", "confirmed"))
                .as("the second replay was a duplicate, not refused again").isEqualTo(1);
        assertThat(status(orderId)).isEqualTo("rejected");
    }

    @Test
    void aDeadLetterOlderThanTheIdRetentionIsNotReplayed() throws Exception {
        String marker = "old-" + UUID.randomUUID();
        long fifteenDaysAgo = System.currentTimeMillis() - Duration.ofDays(15).toMillis();
        // a type of its own, so that the replay's filter chooses this dead letter only
        String type = "order.created-" + marker;
        send("orders.dlq", marker, "{\"event_id\":\"" + marker + "\"}", Map.of("event_type", type,
                "dlq.original.topic", "orders", "dlq.original.timestamp", String.valueOf(fifteenDaysAgo)));
        String filter = "{\"topic\":\"orders.dlq\",\"event_type\":\"" + type + "\"}";

        HttpResponse<String> response = replay(filter, "Bearer " + TOKEN);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(409);
        assertThat(json(response.body()).get("detail").asText())
                .contains("is 15.0 days old", "retention (processed-events.retention, 14.0 days)");
        assertThat(records("orders", r -> r.value() != null && text(r.value()).contains(marker), 1, Duration.ofSeconds(2)))
                .as("nothing replayed").isEmpty();
    }

    @Test
    void withoutAConfiguredTokenOneIsMadeKeptForItsOwnerOnlyAndAccepted() throws Exception {
        Path file = dataDir.resolve("admin.token");

        assertThat(file).exists();
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        String token = Files.readString(file).trim();
        assertThat(token).as("32 random bytes, URL-safe base64").matches("[A-Za-z0-9_-]{43}");
        String nothing = "{\"topic\":\"orders.dlq\",\"event_type\":\"no.such.type-" + UUID.randomUUID() + "\"}";
        HttpResponse<String> accepted = replay(nothing, "Bearer " + token);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
        assertThat(json(accepted.body()).get("replayed").asInt()).isZero();
        assertThat(replay(nothing, "Bearer " + TOKEN).statusCode()).isEqualTo(401);
        // a later start keeps the token of the first
        assertThat(AdminToken.load("", dataDir).accepts("Bearer " + token)).isTrue();
        assertThat(Files.readString(file).trim()).isEqualTo(token);
    }

    private String status(String orderId) throws Exception {
        return json(http("GET", "/orders/" + orderId, null).body()).get("status").asText();
    }

    private HttpResponse<String> replay(String body, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort + "/dlq/replay"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return TestHttp.send(request.build());
    }
}
